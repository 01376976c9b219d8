// Adam (Kingma & Ba 2015; Caffe's AdamSolver), per element of slot s at step t = 1, 2, ...:
//   g = gradient_scale * diff + decay * w        (L2; L1 uses decay * sign(w))
//   m = beta1 * m + (1 - beta1) * g              (beta1 = momentum)
//   v = beta2 * v + (1 - beta2) * g^2            (beta2 = momentum2)
//   w = w - lr * c_t * m / (sqrt(v) + delta)     (c_t = sqrt(1 - beta2^t) / (1 - beta1^t))
// with lr = rate * lr_mult_s, decay = wd * decay_mult_s. The step count t is a one-element history
// tensor, so a snapshot carries it and a resumed run continues the bias correction exactly (a
// float counts exactly to 2^24 steps; there c_t has long been 1 and the count stops).
#pragma once

#include "solvers/fused_update.hpp"

namespace visage {

struct AdamElement {
  float* first_moment;
  float* second_moment;
  float beta1;
  float beta2;
  float delta;
  float correction;  // c_t, computed once per step on the host

  VISAGE_HOST_DEVICE float operator()(int64_t i, float g, float lr) const {
    using namespace fused;
    const float m = add(mul(sub(1.0f, beta1), g), mul(beta1, first_moment[i]));
    const float v = add(mul(sub(1.0f, beta2), mul(g, g)), mul(beta2, second_moment[i]));
    first_moment[i] = m;
    second_moment[i] = v;
    return adaptive_step(mul(lr, correction), m, v, delta);
  }
};

class AdamRule : public UpdateRule {
 public:
  AdamRule(float beta1, float beta2, float delta, std::span<const ParamSlot> slots,
           int64_t num_params);
  const char* type() const override { return "Adam"; }

 protected:
  void apply_cpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#if VISAGE_WITH_CUDA
  void apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) override;
#endif

 private:
  // Counts this step and returns its bias correction c_t.
  float advance();

  float beta1_;
  float beta2_;
  float delta_;
  Tensor& first_moment_;
  Tensor& second_moment_;
  Tensor& steps_taken_;  // one element, on the host only
};

}  // namespace visage
