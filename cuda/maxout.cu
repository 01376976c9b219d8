// GPU half of layers/maxout.cpp: one thread per output for forward, one per input for backward
// (each input reads its output's winner, so there are no atomics and no zeroing pass).
#include "cuda/kernel.cuh"
#include "layers/maxout.hpp"

namespace visage {
namespace {

__global__ void maxout_forward(int64_t count, int64_t units, int64_t pieces, int64_t inner,
                               const float* in, float* out, float* winner) {
  VISAGE_KERNEL_LOOP(o, count) {
    const int64_t s = o % inner;
    const int64_t unit = o / inner;  // n * units + c
    const int64_t n = unit / units;
    const int64_t c = unit % units;
    const float* group = in + (n * units * pieces + c * pieces) * inner + s;
    int64_t best = 0;
    float value = group[0];
    for (int64_t j = 1; j < pieces; ++j) {
      const float candidate = group[j * inner];
      if (candidate > value) {
        value = candidate;
        best = j;
      }
    }
    out[o] = value;
    winner[o] = static_cast<float>(best);
  }
}

__global__ void maxout_backward(int64_t count, int64_t units, int64_t pieces, int64_t inner,
                                const float* top_diff, const float* winner, float* bottom_diff) {
  VISAGE_KERNEL_LOOP(i, count) {
    const int64_t s = i % inner;
    const int64_t channel = (i / inner) % (units * pieces);
    const int64_t n = i / (inner * units * pieces);
    const int64_t o = (n * units + channel / pieces) * inner + s;
    const bool won = static_cast<int64_t>(winner[o]) == channel % pieces;
    bottom_diff[i] = won ? top_diff[o] : 0.0f;
  }
}

}  // namespace

void MaxoutLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = top[0]->count();
  if (count == 0) return;
  maxout_forward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, units_, pieces_, inner_, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx),
      argmax_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void MaxoutLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                               Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t count = bottom[0]->count();
  if (count == 0) return;
  maxout_backward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, units_, pieces_, inner_, top[0]->gpu_diff(ctx), argmax_.gpu_data(ctx),
      bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
