// GPU half of solvers/rmsprop.cpp: the shared element formula in one kernel launch.
#include "cuda/fused_update.cuh"
#include "solvers/rmsprop.hpp"

namespace visage {

void RmsPropRule::apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) {
  gpu::fused_update(ctx, device_slots(ctx), slots().size(), params, step,
                    RmsPropElement{mean_square_.mutable_gpu_data(ctx), rms_decay_, delta_});
}

}  // namespace visage
