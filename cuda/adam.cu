// GPU half of solvers/adam.cpp: the shared element formula in one kernel launch; the bias
// correction is computed on the host (the step count never leaves it) and passed by value.
#include "cuda/fused_update.cuh"
#include "solvers/adam.hpp"

namespace visage {

void AdamRule::apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) {
  const float correction = advance();
  gpu::fused_update(
      ctx, device_slots(ctx), slots().size(), params, step,
      AdamElement{first_moment_.mutable_gpu_data(ctx), second_moment_.mutable_gpu_data(ctx), beta1_,
                  beta2_, delta_, correction});
}

}  // namespace visage
