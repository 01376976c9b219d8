// GPU half of layers/l2_normalize.cpp: one block per sample reduces its squares (forward) or
// y . dy (backward) in shared memory, then the block rewrites the sample. The same definition,
// s = sqrt(||x||^2 + eps), as the CPU half, so the two agree to rounding (the parity test).
#include "cuda/channel_reduce.cuh"
#include "layers/l2_normalize.hpp"

namespace visage {
namespace {

__global__ void l2_normalize_forward(int64_t samples, int64_t dim, float eps, const float* in,
                                     float* out, float* scales) {
  __shared__ float shared[gpu::kThreadsPerBlock];
  for (int64_t n = blockIdx.x; n < samples; n += gridDim.x) {
    const float* x = in + n * dim;
    float partial = 0;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) partial += x[i] * x[i];
    const float s = sqrtf(gpu::block_sum(partial, shared) + eps);
    if (threadIdx.x == 0) scales[n] = s;
    float* y = out + n * dim;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) y[i] = x[i] / s;
  }
}

__global__ void l2_normalize_backward(int64_t samples, int64_t dim, const float* out,
                                      const float* top_diff, const float* scales,
                                      float* bottom_diff) {
  __shared__ float shared[gpu::kThreadsPerBlock];
  for (int64_t n = blockIdx.x; n < samples; n += gridDim.x) {
    const float* y = out + n * dim;
    const float* dy = top_diff + n * dim;
    float partial = 0;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) partial += y[i] * dy[i];
    const float y_dot_dy = gpu::block_sum(partial, shared);
    const float s = scales[n];
    float* dx = bottom_diff + n * dim;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) dx[i] = (dy[i] - y[i] * y_dot_dy) / s;
  }
}

unsigned int blocks_for_samples(int64_t samples) {
  return static_cast<unsigned int>(samples < 65535 ? samples : 65535);
}

}  // namespace

void L2NormalizeLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  if (samples_ == 0) return;
  l2_normalize_forward<<<blocks_for_samples(samples_), gpu::kThreadsPerBlock, 0,
                         gpu::stream(ctx)>>>(samples_, dim_, eps_, bottom[0]->gpu_data(ctx),
                                             top[0]->mutable_gpu_data(ctx),
                                             scales_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void L2NormalizeLayer::backward_gpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  if (!propagate_down[0] || samples_ == 0) return;
  l2_normalize_backward<<<blocks_for_samples(samples_), gpu::kThreadsPerBlock, 0,
                          gpu::stream(ctx)>>>(samples_, dim_, top[0]->gpu_data(ctx),
                                              top[0]->gpu_diff(ctx), scales_.gpu_data(ctx),
                                              bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
