// GPU half of layers/split.cpp: the tops share the bottom's data, so only backward does work,
// summing the consumers' gradients with cuBLAS on the context's stream.
#include "cuda/math.hpp"
#include "layers/split.hpp"

namespace visage {

void SplitLayer::forward_gpu(Context&, Tensors, Tensors) {}

void SplitLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t count = bottom[0]->count();
  float* out = bottom[0]->mutable_gpu_diff(ctx);
  gpu::copy(ctx, count, top[0]->gpu_diff(ctx), out);
  for (std::size_t t = 1; t < top.size(); ++t) {
    gpu::axpy(ctx, count, 1.0f, top[t]->gpu_diff(ctx), out);
  }
}

}  // namespace visage
