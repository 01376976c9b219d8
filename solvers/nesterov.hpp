// Nesterov's accelerated gradient (Caffe's NesterovSolver), per element of slot s:
//   g = gradient_scale * diff + decay * w        (L2; L1 uses decay * sign(w))
//   h' = momentum * h + lr * g                   (lr = rate * lr_mult_s, decay = wd * decay_mult_s)
//   w = w - ((1 + momentum) * h' - momentum * h)
// i.e. the step looks ahead along the updated velocity.
#pragma once

#include "solvers/fused_update.hpp"

namespace visage {

struct NesterovElement {
  float* velocity;
  float momentum;

  VISAGE_HOST_DEVICE float operator()(int64_t i, float g, float lr) const {
    using namespace fused;
    const float previous = velocity[i];
    const float next = add(mul(momentum, previous), mul(lr, g));
    velocity[i] = next;
    return sub(mul(add(1.0f, momentum), next), mul(momentum, previous));
  }
};

class NesterovRule : public UpdateRule {
 public:
  NesterovRule(float momentum, std::span<const ParamSlot> slots, int64_t num_params);
  const char* type() const override { return "Nesterov"; }

 protected:
  void apply_cpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#if VISAGE_WITH_CUDA
  void apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#endif

 private:
  float momentum_;
  Tensor& velocity_;
};

}  // namespace visage
