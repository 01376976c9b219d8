// GPU half of layers/lrn.cpp: one thread per element, summing its channel window in the same
// order as the CPU loops (ascending channel), so the two agree to rounding of powf.
#include "cuda/kernel.cuh"
#include "layers/lrn.hpp"

namespace visage {
namespace {

struct LrnShape {
  int64_t channels;
  int64_t pixels;
  int half;
  float alpha_over_n;
  float beta;
  float k;
};

__global__ void lrn_forward(int64_t total, LrnShape s, const float* in, float* scale, float* out) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t p = i % s.pixels;
    const int64_t c = (i / s.pixels) % s.channels;
    const int64_t image = i / (s.pixels * s.channels);
    const float* x = in + image * s.channels * s.pixels + p;
    const int64_t first = max(c - s.half, int64_t{0});
    const int64_t last = min(c + s.half, s.channels - 1);
    float sum = 0;
    for (int64_t j = first; j <= last; ++j) sum += x[j * s.pixels] * x[j * s.pixels];
    const float sc = s.k + s.alpha_over_n * sum;
    scale[i] = sc;
    out[i] = in[i] * powf(sc, -s.beta);
  }
}

__global__ void lrn_backward(int64_t total, LrnShape s, float factor, const float* in,
                             const float* out, const float* scale, const float* top_diff,
                             float* in_diff) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t p = i % s.pixels;
    const int64_t c = (i / s.pixels) % s.channels;
    const int64_t base = (i / (s.pixels * s.channels)) * s.channels * s.pixels + p;
    const int64_t first = max(c - s.half, int64_t{0});
    const int64_t last = min(c + s.half, s.channels - 1);
    float sum = 0;
    for (int64_t j = first; j <= last; ++j) {
      const int64_t e = base + j * s.pixels;
      sum += top_diff[e] * out[e] / scale[e];
    }
    in_diff[i] = top_diff[i] * powf(scale[i], -s.beta) - factor * in[i] * sum;
  }
}

}  // namespace

void LRNLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t total = bottom[0]->count();
  const LrnShape s{channels_, pixels_, size_ / 2, alpha_ / static_cast<float>(size_), beta_, k_};
  lrn_forward<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      total, s, bottom[0]->gpu_data(ctx), scale_.mutable_gpu_data(ctx),
      top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void LRNLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                            Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t total = bottom[0]->count();
  const LrnShape s{channels_, pixels_, size_ / 2, alpha_ / static_cast<float>(size_), beta_, k_};
  const float factor = 2.0f * alpha_ * beta_ / static_cast<float>(size_);
  lrn_backward<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      total, s, factor, bottom[0]->gpu_data(ctx), top[0]->gpu_data(ctx), scale_.gpu_data(ctx),
      top[0]->gpu_diff(ctx), bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
