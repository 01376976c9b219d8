// Stochastic gradient descent with momentum (Caffe's SGDSolver), per element of slot s:
//   g = gradient_scale * diff + decay * w    (L2; L1 uses decay * sign(w))
//   h = lr * g + momentum * h                (lr = rate * lr_mult_s, decay = wd * decay_mult_s)
//   w = w - h
// The element formula below serves both the CPU loop and the kernel (cuda/sgd.cu), rounded
// operation by operation (solvers/fused_update.hpp), so CPU and GPU agree bit for bit.
#pragma once

#include "solvers/fused_update.hpp"

namespace visage {

struct SgdElement {
  float* velocity;
  float momentum;

  VISAGE_HOST_DEVICE float operator()(int64_t i, float g, float lr) const {
    const float v = fused::add(fused::mul(lr, g), fused::mul(momentum, velocity[i]));
    velocity[i] = v;
    return v;
  }
};

class SgdRule : public UpdateRule {
 public:
  SgdRule(float momentum, std::span<const ParamSlot> slots, int64_t num_params);
  const char* type() const override { return "SGD"; }
  float momentum() const { return momentum_; }

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
