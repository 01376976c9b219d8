// GPU half of solvers/sgd.cpp: the shared element formula in one kernel launch over the whole
// parameter buffer (cuda/fused_update.cuh).
#include "cuda/fused_update.cuh"
#include "solvers/sgd.hpp"

namespace visage {

void SgdRule::apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) {
  gpu::fused_update(ctx, device_slots(ctx), slots().size(), params, step,
                    SgdElement{velocity_.mutable_gpu_data(ctx), momentum_});
}

}  // namespace visage
