// GPU half of layers/lrn.cpp: one thread per element, summing its channel window in the same
// order as the CPU loops (ascending channel), so the two agree to rounding of powf.
#include "cuda/kernel.cuh"
#include "layers/lrn.hpp"

namespace visage {
namespace {

// Sizes in the kernel's index type (int32_t where every index fits: 64-bit division is slow).
template <typename Index>
struct LrnShape {
  Index channels;
  Index pixels;
  Index half;
  float alpha_over_n;
  float beta;
  float k;
};

template <typename Index>
LrnShape<Index> lrn_shape(int64_t channels, int64_t pixels, int64_t size, float alpha, float beta,
                          float k) {
  return {static_cast<Index>(channels),
          static_cast<Index>(pixels),
          static_cast<Index>(size / 2),
          alpha / static_cast<float>(size),
          beta,
          k};
}

template <typename Index>
__global__ void lrn_forward(Index total, LrnShape<Index> s, const float* in, float* scale,
                            float* out) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index p = i % s.pixels;
    const Index c = (i / s.pixels) % s.channels;
    const Index image = i / (s.pixels * s.channels);
    const float* x = in + image * s.channels * s.pixels + p;
    const Index first = max(c - s.half, Index{0});
    const Index last = min(c + s.half, s.channels - 1);
    float sum = 0;
    for (Index j = first; j <= last; ++j) sum += x[j * s.pixels] * x[j * s.pixels];
    const float sc = s.k + s.alpha_over_n * sum;
    scale[i] = sc;
    out[i] = in[i] * powf(sc, -s.beta);
  }
}

template <typename Index>
__global__ void lrn_backward(Index total, LrnShape<Index> s, float factor, const float* in,
                             const float* out, const float* scale, const float* top_diff,
                             float* in_diff) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index p = i % s.pixels;
    const Index c = (i / s.pixels) % s.channels;
    const Index base = (i / (s.pixels * s.channels)) * s.channels * s.pixels + p;
    const Index first = max(c - s.half, Index{0});
    const Index last = min(c + s.half, s.channels - 1);
    float sum = 0;
    for (Index j = first; j <= last; ++j) {
      const Index e = base + j * s.pixels;
      sum += top_diff[e] * out[e] / scale[e];
    }
    in_diff[i] = top_diff[i] * powf(scale[i], -s.beta) - factor * in[i] * sum;
  }
}

}  // namespace

void LRNLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t total = bottom[0]->count();
  gpu::with_index_type(total, [&]<typename Index>(Index) {
    lrn_forward<Index><<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        static_cast<Index>(total), lrn_shape<Index>(channels_, pixels_, size_, alpha_, beta_, k_),
        bottom[0]->gpu_data(ctx), scale_.mutable_gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
  });
  VISAGE_CUDA_CHECK_LAUNCH();
}

void LRNLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                            Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t total = bottom[0]->count();
  const float factor = 2.0f * alpha_ * beta_ / static_cast<float>(size_);
  gpu::with_index_type(total, [&]<typename Index>(Index) {
    lrn_backward<Index><<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        static_cast<Index>(total), lrn_shape<Index>(channels_, pixels_, size_, alpha_, beta_, k_),
        factor, bottom[0]->gpu_data(ctx), top[0]->gpu_data(ctx), scale_.gpu_data(ctx),
        top[0]->gpu_diff(ctx), bottom[0]->mutable_gpu_diff(ctx));
  });
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
