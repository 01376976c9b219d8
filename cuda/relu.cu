// GPU half of layers/relu.cpp: elementwise kernels, safe in place (each thread reads its element
// before writing it).
#include "cuda/kernel.cuh"
#include "layers/relu.hpp"

namespace visage {
namespace {

__global__ void relu_forward(int64_t n, float slope, const float* in, float* out) {
  VISAGE_KERNEL_LOOP(i, n) { out[i] = in[i] > 0.0f ? in[i] : slope * in[i]; }
}

__global__ void relu_backward(int64_t n, float slope, const float* in, const float* top_diff,
                              float* bottom_diff) {
  VISAGE_KERNEL_LOOP(i, n) { bottom_diff[i] = in[i] > 0.0f ? top_diff[i] : slope * top_diff[i]; }
}

}  // namespace

void ReLULayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t n = bottom[0]->count();
  if (n == 0) return;
  relu_forward<<<gpu::blocks_for(n), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      n, negative_slope_, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void ReLULayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                             Tensors bottom) {
  const int64_t n = bottom[0]->count();
  if (!propagate_down[0] || n == 0) return;
  relu_backward<<<gpu::blocks_for(n), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      n, negative_slope_, bottom[0]->gpu_data(ctx), top[0]->gpu_diff(ctx),
      bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
