// GPU half of layers/eltwise.cpp: one elementwise kernel per bottom, queued in bottom order on the
// context's stream (the same accumulation order as the CPU half).
#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "layers/eltwise.hpp"

namespace visage {
namespace {

using proto::EltwiseParameter;

// out = coeff * in (first bottom) or out += coeff * in.
__global__ void scaled_add(int64_t count, float coeff, const float* in, bool first, float* out) {
  VISAGE_KERNEL_LOOP(i, count) { out[i] = (first ? 0.0f : out[i]) + coeff * in[i]; }
}

__global__ void multiply(int64_t count, const float* in, float* out) {
  VISAGE_KERNEL_LOOP(i, count) { out[i] *= in[i]; }
}

__global__ void take_max(int64_t count, const float* in, float index, bool first, float* out,
                         float* winner) {
  VISAGE_KERNEL_LOOP(i, count) {
    if (first || in[i] > out[i]) {
      out[i] = in[i];
      winner[i] = index;
    }
  }
}

__global__ void route_max(int64_t count, const float* top_diff, const float* winner, float index,
                          float* diff) {
  VISAGE_KERNEL_LOOP(i, count) { diff[i] = winner[i] == index ? top_diff[i] : 0.0f; }
}

}  // namespace

void EltwiseLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = top[0]->count();
  if (count == 0) return;
  float* out = top[0]->mutable_gpu_data(ctx);
  const auto blocks = gpu::blocks_for(count);
  const auto stream = gpu::stream(ctx);
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    const float* in = bottom[b]->gpu_data(ctx);
    const bool first = b == 0;
    switch (op_) {
      case EltwiseParameter::SUM:
        scaled_add<<<blocks, gpu::kThreadsPerBlock, 0, stream>>>(count, coeffs_[b], in, first, out);
        break;
      case EltwiseParameter::PROD:
        if (first) {
          gpu::copy(ctx, count, in, out);
        } else {
          multiply<<<blocks, gpu::kThreadsPerBlock, 0, stream>>>(count, in, out);
        }
        break;
      case EltwiseParameter::MAX:
        take_max<<<blocks, gpu::kThreadsPerBlock, 0, stream>>>(
            count, in, static_cast<float>(b), first, out, argmax_.mutable_gpu_data(ctx));
        break;
    }
    VISAGE_CUDA_CHECK_LAUNCH();
  }
}

void EltwiseLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  const int64_t count = top[0]->count();
  if (count == 0) return;
  const float* top_diff = top[0]->gpu_diff(ctx);
  const auto blocks = gpu::blocks_for(count);
  const auto stream = gpu::stream(ctx);
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    if (!propagate_down[b]) continue;
    float* diff = bottom[b]->mutable_gpu_diff(ctx);
    switch (op_) {
      case EltwiseParameter::SUM:
        scaled_add<<<blocks, gpu::kThreadsPerBlock, 0, stream>>>(count, coeffs_[b], top_diff, true,
                                                                 diff);
        break;
      case EltwiseParameter::PROD:
        gpu::copy(ctx, count, top_diff, diff);
        for (std::size_t k = 0; k < bottom.size(); ++k) {
          if (k == b) continue;
          multiply<<<blocks, gpu::kThreadsPerBlock, 0, stream>>>(count, bottom[k]->gpu_data(ctx),
                                                                 diff);
        }
        break;
      case EltwiseParameter::MAX:
        route_max<<<blocks, gpu::kThreadsPerBlock, 0, stream>>>(
            count, top_diff, argmax_.gpu_data(ctx), static_cast<float>(b), diff);
        break;
    }
    VISAGE_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace visage
