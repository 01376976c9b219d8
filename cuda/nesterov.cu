// GPU half of solvers/nesterov.cpp: the shared element formula in one kernel launch.
#include "cuda/fused_update.cuh"
#include "solvers/nesterov.hpp"

namespace visage {

void NesterovRule::apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) {
  gpu::fused_update(ctx, device_slots(ctx), slots().size(), params, step,
                    NesterovElement{velocity_.mutable_gpu_data(ctx), momentum_});
}

}  // namespace visage
