// GPU half of layers/bias.cpp: an elementwise forward and a per-slot reduction of the gradient
// (cuda/channel_reduce.cuh).
#include "cuda/channel_reduce.cuh"
#include "cuda/math.hpp"
#include "layers/bias.hpp"

namespace visage {
namespace {

__global__ void add_bias(int64_t count, int64_t dim, int64_t inner, const float* in,
                         const float* bias, float* out) {
  VISAGE_KERNEL_LOOP(i, count) { out[i] = in[i] + bias[(i / inner) % dim]; }
}

struct TopDiff {
  const float* top_diff;
  __device__ float operator()(int64_t index) const { return top_diff[index]; }
};

}  // namespace

void BiasLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = bottom[0]->count();
  if (count == 0) return;
  add_bias<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, axes_.dim, axes_.inner, bottom[0]->gpu_data(ctx), bias(bottom).gpu_data(ctx),
      top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void BiasLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                             Tensors bottom) {
  const int64_t count = top[0]->count();
  const float* top_diff = top[0]->gpu_diff(ctx);
  if (propagate_down[0]) gpu::copy(ctx, count, top_diff, bottom[0]->mutable_gpu_diff(ctx));
  const bool learned = bottom.size() == 1;
  if (!learned && !propagate_down[1]) return;
  gpu::channel_sum(ctx, axes_.outer, axes_.dim, axes_.inner, learned ? 1.0f : 0.0f,
                   TopDiff{top_diff}, bias(bottom).mutable_gpu_diff(ctx));
}

}  // namespace visage
