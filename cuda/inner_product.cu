// GPU half of layers/inner_product.cpp: the same products with cuBLAS on the context's stream.
#include "cuda/math.hpp"
#include "layers/inner_product.hpp"

namespace visage {

using gpu::Trans;

void InnerProductLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  float* out = top[0]->mutable_gpu_data(ctx);
  gpu::gemm(ctx, Trans::no, transpose_ ? Trans::no : Trans::yes, rows_, outputs_, inputs_, 1.0f,
            bottom[0]->gpu_data(ctx), weights().gpu_data(ctx), 0.0f, out);
  if (bias_term_) {
    gpu::gemm(ctx, Trans::no, Trans::no, rows_, outputs_, 1, 1.0f, bias_multiplier_.gpu_data(ctx),
              bias().gpu_data(ctx), 1.0f, out);
  }
}

void InnerProductLayer::backward_gpu(Context& ctx, Tensors top,
                                     const std::vector<bool>& propagate_down, Tensors bottom) {
  const float* top_diff = top[0]->gpu_diff(ctx);
  const float* in = bottom[0]->gpu_data(ctx);
  float* weight_diff = weights().mutable_gpu_diff(ctx);
  if (transpose_) {
    gpu::gemm(ctx, Trans::yes, Trans::no, inputs_, outputs_, rows_, 1.0f, in, top_diff, 1.0f,
              weight_diff);
  } else {
    gpu::gemm(ctx, Trans::yes, Trans::no, outputs_, inputs_, rows_, 1.0f, top_diff, in, 1.0f,
              weight_diff);
  }
  if (bias_term_) {
    gpu::gemv(ctx, Trans::yes, rows_, outputs_, 1.0f, top_diff, bias_multiplier_.gpu_data(ctx),
              1.0f, bias().mutable_gpu_diff(ctx));
  }
  if (propagate_down[0]) {
    gpu::gemm(ctx, Trans::no, transpose_ ? Trans::yes : Trans::no, rows_, inputs_, outputs_, 1.0f,
              top_diff, weights().gpu_data(ctx), 0.0f, bottom[0]->mutable_gpu_diff(ctx));
  }
}

}  // namespace visage
