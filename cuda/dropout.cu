// GPU half of layers/dropout.cpp: the mask is the same hash of (seed, index) as on the CPU,
// evaluated per element in the kernel, so the devices agree bit for bit for one RNG state.
#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "layers/dropout.hpp"
#include "layers/dropout_mask.hpp"

namespace visage {
namespace {

// Forward (x = bottom data, y = top data) and backward (x = top diff, y = bottom diff) alike.
__global__ void dropout_apply(int64_t count, uint64_t seed, float ratio, float scale,
                              const float* x, float* y) {
  VISAGE_KERNEL_LOOP(i, count) {
    y[i] = dropout::kept(seed, static_cast<uint64_t>(i), ratio) ? x[i] * scale : 0.0f;
  }
}

}  // namespace

void DropoutLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = bottom[0]->count();
  if (!training()) {
    if (bottom[0] != top[0]) {
      gpu::copy(ctx, count, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
    }
    return;
  }
  seed_ = ctx.rng().next_u64();
  if (count == 0) return;
  dropout_apply<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, seed_, ratio_, scale_, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void DropoutLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t count = bottom[0]->count();
  if (!training()) {
    if (bottom[0] != top[0]) {
      gpu::copy(ctx, count, top[0]->gpu_diff(ctx), bottom[0]->mutable_gpu_diff(ctx));
    }
    return;
  }
  if (count == 0) return;
  dropout_apply<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, seed_, ratio_, scale_, top[0]->gpu_diff(ctx), bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
