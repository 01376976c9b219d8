// GPU half of losses/contrastive_loss.cpp: one thread per pair computes the squared distance and
// the pair's scaled loss, cuBLAS sums them into the top on the device (the terms are >= 0, so
// asum is their sum), and backward is one element-wise kernel per side.
#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "losses/contrastive_loss.hpp"

namespace visage {
namespace {

__global__ void pair_losses(int64_t pairs, int64_t dim, const float* a, const float* b,
                            const float* similar, ContrastivePair pair, float scale,
                            float* distances, float* losses) {
  VISAGE_KERNEL_LOOP(i, pairs) {
    float sum = 0;
    for (int64_t k = i * dim; k < (i + 1) * dim; ++k) {
      const float d = a[k] - b[k];
      sum = __fadd_rn(sum, __fmul_rn(d, d));
    }
    distances[i] = sum;
    losses[i] = pair.loss(sum, similar[i] != 0) * scale;
  }
}

__global__ void pair_gradient(int64_t count, int64_t dim, const float* a, const float* b,
                              const float* similar, const float* distances, ContrastivePair pair,
                              const float* top_diff, float sign_over_2n, float* diff) {
  VISAGE_KERNEL_LOOP(k, count) {
    const int64_t i = k / dim;
    const float c = top_diff[0] * sign_over_2n * pair.coefficient(distances[i], similar[i] != 0);
    diff[k] = c * (a[k] - b[k]);
  }
}

}  // namespace

void ContrastiveLossLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  float* loss = top[0]->mutable_gpu_data(ctx);
  if (pairs_ == 0) {
    gpu::fill(ctx, 1, 0.0f, loss);
    return;
  }
  const float scale = 1.0f / (2.0f * static_cast<float>(pairs_));
  pair_losses<<<gpu::blocks_for(pairs_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      pairs_, dim_, bottom[0]->gpu_data(ctx), bottom[1]->gpu_data(ctx), bottom[2]->gpu_data(ctx),
      pair_, scale, distances_.mutable_gpu_data(ctx), distances_.mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
  gpu::asum(ctx, pairs_, distances_.gpu_diff(ctx), loss);
}

void ContrastiveLossLayer::backward_gpu(Context& ctx, Tensors top,
                                        const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[2], "cannot back-propagate to the similarity labels");
  const int64_t count = pairs_ * dim_;
  if (count == 0) return;
  const float over_2n = 1.0f / (2.0f * static_cast<float>(pairs_));
  for (int side = 0; side < 2; ++side) {
    if (!propagate_down[side]) continue;
    pair_gradient<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        count, dim_, bottom[0]->gpu_data(ctx), bottom[1]->gpu_data(ctx), bottom[2]->gpu_data(ctx),
        distances_.gpu_data(ctx), pair_, top[0]->gpu_diff(ctx), side == 0 ? over_2n : -over_2n,
        bottom[side]->mutable_gpu_diff(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace visage
