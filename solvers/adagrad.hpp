// AdaGrad (Duchi et al. 2011; Caffe's AdaGradSolver; FaceNet's optimiser), per element of slot s:
//   g = gradient_scale * diff + decay * w        (L2; L1 uses decay * sign(w))
//   h = h + g^2                                  (the sum of squared gradients so far)
//   w = w - lr * g / (sqrt(h) + delta)           (lr = rate * lr_mult_s, decay = wd * decay_mult_s)
// As in Caffe, momentum must be 0: AdaGrad has no velocity.
#pragma once

#include "solvers/fused_update.hpp"

namespace visage {

struct AdaGradElement {
  float* squared_sum;
  float delta;

  VISAGE_HOST_DEVICE float operator()(int64_t i, float g, float lr) const {
    const float h = fused::add(squared_sum[i], fused::mul(g, g));
    squared_sum[i] = h;
    return fused::adaptive_step(lr, g, h, delta);
  }
};

class AdaGradRule : public UpdateRule {
 public:
  AdaGradRule(float delta, std::span<const ParamSlot> slots, int64_t num_params);
  const char* type() const override { return "AdaGrad"; }

 protected:
  void apply_cpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#if VISAGE_WITH_CUDA
  void apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#endif

 private:
  float delta_;
  Tensor& squared_sum_;
};

}  // namespace visage
