// GPU half of layers/scale.cpp: an elementwise forward and input gradient, and per-slot
// reductions (cuda/channel_reduce.cuh) for the scale and bias gradients.
#include "cuda/channel_reduce.cuh"
#include "layers/scale.hpp"

namespace visage {
namespace {

__global__ void scale_forward(int64_t count, int64_t dim, int64_t inner, const float* in,
                              const float* scale, const float* bias, float* out) {
  VISAGE_KERNEL_LOOP(i, count) {
    const int64_t d = (i / inner) % dim;
    out[i] = in[i] * scale[d] + (bias != nullptr ? bias[d] : 0.0f);
  }
}

__global__ void scale_backward(int64_t count, int64_t dim, int64_t inner, const float* top_diff,
                               const float* scale, float* bottom_diff) {
  VISAGE_KERNEL_LOOP(i, count) { bottom_diff[i] = top_diff[i] * scale[(i / inner) % dim]; }
}

struct TopDiff {
  const float* top_diff;
  __device__ float operator()(int64_t index) const { return top_diff[index]; }
};

struct TopDiffTimesInput {
  const float* top_diff;
  const float* in;
  __device__ float operator()(int64_t index) const { return top_diff[index] * in[index]; }
};

}  // namespace

void ScaleLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = bottom[0]->count();
  if (count == 0) return;
  scale_forward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, axes_.dim, axes_.inner, bottom[0]->gpu_data(ctx), scale(bottom).gpu_data(ctx),
      bias_on(ctx, bottom), top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void ScaleLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  const int64_t count = top[0]->count();
  const float* top_diff = top[0]->gpu_diff(ctx);
  if (bias_term_) {
    gpu::channel_sum(ctx, axes_.outer, axes_.dim, axes_.inner, 1.0f, TopDiff{top_diff},
                     params_.back()->mutable_gpu_diff(ctx));
  }
  if (learned_scale(bottom) || propagate_down[1]) {
    gpu::channel_sum(ctx, axes_.outer, axes_.dim, axes_.inner, learned_scale(bottom) ? 1.0f : 0.0f,
                     TopDiffTimesInput{top_diff, bottom[0]->gpu_data(ctx)},
                     scale(bottom).mutable_gpu_diff(ctx));
  }
  if (propagate_down[0] && count > 0) {
    scale_backward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        count, axes_.dim, axes_.inner, top_diff, scale(bottom).gpu_data(ctx),
        bottom[0]->mutable_gpu_diff(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace visage
