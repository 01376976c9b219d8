// GPU half of layers/softmax.cpp. One warp per (outer, inner) position: the lanes stride over the
// classes and combine their maxima and sums with shuffles, so a 10k-class row is spread over 32
// threads instead of one.
#include <cmath>

#include "cuda/kernel.cuh"
#include "layers/softmax.hpp"

namespace visage {
namespace {

constexpr int kWarpSize = 32;

__device__ float warp_max(float v) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  }
  return v;
}

__device__ float warp_sum(float v) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  }
  return v;
}

// The loop over positions is warp-uniform (every lane of a warp has the same `p`), as the
// full-mask shuffles require.
#define VISAGE_WARP_LOOP(p, positions)                                                        \
  for (int64_t p = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarpSize; \
       p < (positions); p += static_cast<int64_t>(gridDim.x) * blockDim.x / kWarpSize)

__global__ void softmax_forward(int64_t positions, int64_t channels, int64_t inner, const float* in,
                                float* out) {
  const int lane = threadIdx.x % kWarpSize;
  VISAGE_WARP_LOOP(p, positions) {
    const int64_t base = (p / inner) * channels * inner + p % inner;
    float largest = -INFINITY;
    for (int64_t c = lane; c < channels; c += kWarpSize) {
      largest = fmaxf(largest, in[base + c * inner]);
    }
    largest = warp_max(largest);
    float sum = 0.0f;
    for (int64_t c = lane; c < channels; c += kWarpSize) {
      const float e = expf(in[base + c * inner] - largest);
      out[base + c * inner] = e;
      sum += e;
    }
    const float inverse = 1.0f / warp_sum(sum);
    for (int64_t c = lane; c < channels; c += kWarpSize) out[base + c * inner] *= inverse;
  }
}

__global__ void softmax_backward(int64_t positions, int64_t channels, int64_t inner,
                                 const float* out, const float* top_diff, float* bottom_diff) {
  const int lane = threadIdx.x % kWarpSize;
  VISAGE_WARP_LOOP(p, positions) {
    const int64_t base = (p / inner) * channels * inner + p % inner;
    float dot = 0.0f;
    for (int64_t c = lane; c < channels; c += kWarpSize) {
      dot += top_diff[base + c * inner] * out[base + c * inner];
    }
    dot = warp_sum(dot);
    for (int64_t c = lane; c < channels; c += kWarpSize) {
      const int64_t k = base + c * inner;
      bottom_diff[k] = out[k] * (top_diff[k] - dot);
    }
  }
}

unsigned int warp_blocks(int64_t positions) { return gpu::blocks_for(positions * kWarpSize); }

}  // namespace

void SoftmaxLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t positions = outer_ * inner_;
  if (positions == 0 || channels_ == 0) return;
  softmax_forward<<<warp_blocks(positions), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      positions, channels_, inner_, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void SoftmaxLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  const int64_t positions = outer_ * inner_;
  if (!propagate_down[0] || positions == 0 || channels_ == 0) return;
  softmax_backward<<<warp_blocks(positions), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      positions, channels_, inner_, top[0]->gpu_data(ctx), top[0]->gpu_diff(ctx),
      bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
