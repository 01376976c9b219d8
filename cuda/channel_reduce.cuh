// Block-level sums and the per-channel reduction that PReLU, Scale, Bias and BatchNorm share:
// a tensor seen as (outer, channels, inner) is reduced over outer and inner for each channel, one
// block per channel, in a fixed order (so results are deterministic run to run).
#pragma once

#include "cuda/kernel.cuh"

namespace visage::gpu {

// Sum over the block of every thread's `value`; all threads get the result. blockDim.x must be a
// power of two no larger than kThreadsPerBlock; `shared` holds blockDim.x floats.
__device__ inline float block_sum(float value, float* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  const float total = shared[0];
  __syncthreads();  // `shared` may be reused at once by the caller
  return total;
}

// out[c] = beta * out[c] + sum over o < outer, i < inner of term(index), index = (o * channels + c)
// * inner + i. beta = 1 accumulates (parameter gradients), beta = 0 overwrites.
template <typename Term>
__global__ void channel_sum_kernel(int64_t outer, int64_t channels, int64_t inner, float beta,
                                   Term term, float* out) {
  __shared__ float shared[kThreadsPerBlock];
  const int64_t per_channel = outer * inner;
  for (int64_t c = blockIdx.x; c < channels; c += gridDim.x) {
    float partial = 0;
    for (int64_t k = threadIdx.x; k < per_channel; k += blockDim.x) {
      const int64_t o = k / inner;
      const int64_t i = k % inner;
      partial += term((o * channels + c) * inner + i);
    }
    const float total = block_sum(partial, shared);
    if (threadIdx.x == 0) out[c] = (beta == 0.0f ? 0.0f : beta * out[c]) + total;
  }
}

template <typename Term>
void channel_sum(const Context& ctx, int64_t outer, int64_t channels, int64_t inner, float beta,
                 Term term, float* out) {
  if (channels == 0) return;
  const auto blocks = static_cast<unsigned int>(channels < 65535 ? channels : 65535);
  channel_sum_kernel<<<blocks, kThreadsPerBlock, 0, stream(ctx)>>>(outer, channels, inner, beta,
                                                                   term, out);
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage::gpu
