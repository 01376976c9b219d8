// RMSProp (Tieleman & Hinton 2012; Caffe's RMSPropSolver), per element of slot s:
//   g = gradient_scale * diff + decay * w        (L2; L1 uses decay * sign(w))
//   h = rms_decay * h + (1 - rms_decay) * g^2    (a running mean of squared gradients)
//   w = w - lr * g / (sqrt(h) + delta)           (lr = rate * lr_mult_s, decay = wd * decay_mult_s)
// As in Caffe, momentum must be 0.
#pragma once

#include "solvers/fused_update.hpp"

namespace visage {

struct RmsPropElement {
  float* mean_square;
  float rms_decay;
  float delta;

  VISAGE_HOST_DEVICE float operator()(int64_t i, float g, float lr) const {
    using namespace fused;
    const float h = add(mul(sub(1.0f, rms_decay), mul(g, g)), mul(rms_decay, mean_square[i]));
    mean_square[i] = h;
    return adaptive_step(lr, g, h, delta);
  }
};

class RmsPropRule : public UpdateRule {
 public:
  RmsPropRule(float rms_decay, float delta, std::span<const ParamSlot> slots, int64_t num_params);
  const char* type() const override { return "RMSProp"; }

 protected:
  void apply_cpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#if VISAGE_WITH_CUDA
  void apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#endif

 private:
  float rms_decay_;
  float delta_;
  Tensor& mean_square_;
};

}  // namespace visage
