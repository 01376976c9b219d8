// GPU half of layers/prelu.cpp: elementwise forward and input gradient; the slope gradient is a
// per-channel reduction (cuda/channel_reduce.cuh), one block per channel, accumulated into the
// parameter's gradient.
#include "cuda/channel_reduce.cuh"
#include "cuda/math.hpp"
#include "layers/prelu.hpp"

namespace visage {
namespace {

__global__ void prelu_forward(int64_t count, int64_t channels, int64_t inner, bool shared,
                              const float* in, const float* slopes, float* out) {
  VISAGE_KERNEL_LOOP(i, count) {
    const int64_t c = shared ? 0 : (i / inner) % channels;
    out[i] = in[i] > 0.0f ? in[i] : slopes[c] * in[i];
  }
}

__global__ void prelu_backward(int64_t count, int64_t channels, int64_t inner, bool shared,
                               const float* in, const float* slopes, const float* top_diff,
                               float* bottom_diff) {
  VISAGE_KERNEL_LOOP(i, count) {
    const int64_t c = shared ? 0 : (i / inner) % channels;
    bottom_diff[i] = in[i] > 0.0f ? top_diff[i] : slopes[c] * top_diff[i];
  }
}

// dL/da contribution of element `index`: dy * x where x <= 0.
struct SlopeTerm {
  const float* in;
  const float* top_diff;
  __device__ float operator()(int64_t index) const {
    return in[index] > 0.0f ? 0.0f : top_diff[index] * in[index];
  }
};

}  // namespace

void PReLULayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = bottom[0]->count();
  if (count == 0) return;
  if (bottom[0] == top[0]) {
    gpu::copy(ctx, count, bottom[0]->gpu_data(ctx), input_copy_.mutable_gpu_data(ctx));
  }
  prelu_forward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, channels_, inner_, channel_shared_, input(bottom, top).gpu_data(ctx),
      slopes().gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void PReLULayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  const int64_t count = bottom[0]->count();
  if (count == 0) return;
  const float* in = input(bottom, top).gpu_data(ctx);
  const float* top_diff = top[0]->gpu_diff(ctx);
  // The slope gradient first: in place, the bottom's gradient overwrites the top's (the kernels
  // run in stream order).
  const SlopeTerm term{in, top_diff};
  if (channel_shared_) {
    // All channels together: one "channel" spanning every element.
    gpu::channel_sum(ctx, 1, 1, count, 1.0f, term, slopes().mutable_gpu_diff(ctx));
  } else {
    gpu::channel_sum(ctx, bottom[0]->dim(0), channels_, inner_, 1.0f, term,
                     slopes().mutable_gpu_diff(ctx));
  }
  if (!propagate_down[0]) return;
  prelu_backward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, channels_, inner_, channel_shared_, in, slopes().gpu_data(ctx), top_diff,
      bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
