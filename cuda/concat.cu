// GPU half of layers/concat.cpp: each bottom is one strided 2-D copy on the context's stream
// (outer rows of dim(axis) * inner floats, into rows of the top's width), no kernel needed.
#include "cuda/kernel.cuh"
#include "layers/concat.hpp"

namespace visage {
namespace {

// Copies `rows` rows of `width` floats between buffers whose rows are `src_pitch` and `dst_pitch`
// floats apart.
void copy_rows(const Context& ctx, float* dst, int64_t dst_pitch, const float* src,
               int64_t src_pitch, int64_t width, int64_t rows) {
  if (width == 0 || rows == 0) return;
  VISAGE_CUDA_CHECK(cudaMemcpy2DAsync(dst, dst_pitch * sizeof(float), src,
                                      src_pitch * sizeof(float), width * sizeof(float), rows,
                                      cudaMemcpyDeviceToDevice, gpu::stream(ctx)));
}

}  // namespace

void ConcatLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  if (bottom.size() == 1) return;
  float* out = top[0]->mutable_gpu_data(ctx);
  const int64_t top_row = top[0]->dim(axis_) * inner_;
  int64_t offset = 0;
  for (const Tensor* b : bottom) {
    const int64_t row = b->dim(axis_) * inner_;
    copy_rows(ctx, out + offset, top_row, b->gpu_data(ctx), row, row, outer_);
    offset += row;
  }
}

void ConcatLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                               Tensors bottom) {
  if (bottom.size() == 1) return;
  const float* top_diff = top[0]->gpu_diff(ctx);
  const int64_t top_row = top[0]->dim(axis_) * inner_;
  int64_t offset = 0;
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    const int64_t row = bottom[b]->dim(axis_) * inner_;
    if (propagate_down[b]) {
      copy_rows(ctx, bottom[b]->mutable_gpu_diff(ctx), row, top_diff + offset, top_row, row,
                outer_);
    }
    offset += row;
  }
}

}  // namespace visage
