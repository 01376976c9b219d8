// GPU half of solvers/adagrad.cpp: the shared element formula in one kernel launch.
#include "cuda/fused_update.cuh"
#include "solvers/adagrad.hpp"

namespace visage {

void AdaGradRule::apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) {
  gpu::fused_update(ctx, device_slots(ctx), slots().size(), params, step,
                    AdaGradElement{squared_sum_.mutable_gpu_data(ctx), delta_});
}

}  // namespace visage
