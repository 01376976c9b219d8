// GPU half of losses/center_loss.cpp. The offsets x_i - c_{y_i} come from one element-wise kernel
// (a label out of range cannot throw without a host round trip, so it makes the loss NaN; the CPU
// path names it), the loss is their dot product scaled on the device. The centers' update sums,
// per center element, over the batch's rows in a fixed order: O(classes x D x N) work but
// deterministic, with no atomics, so runs repeat bit for bit.
#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "losses/center_loss.hpp"

namespace visage {
namespace {

__global__ void center_offsets(int64_t count, int64_t dim, int64_t classes, const float* x,
                               const float* labels, const float* centers, float* offsets) {
  VISAGE_KERNEL_LOOP(k, count) {
    const auto label = static_cast<int64_t>(labels[k / dim]);
    offsets[k] = label >= 0 && label < classes ? x[k] - centers[label * dim + k % dim] : NAN;
  }
}

__global__ void feature_gradient(int64_t count, const float* offsets, const float* top_diff,
                                 float inverse_rows, float* diff) {
  VISAGE_KERNEL_LOOP(k, count) { diff[k] = top_diff[0] * inverse_rows * offsets[k]; }
}

__global__ void center_update(int64_t count, int64_t dim, int64_t rows, const float* labels,
                              const float* offsets, float alpha, float* center_diff) {
  VISAGE_KERNEL_LOOP(e, count) {
    const int64_t j = e / dim;
    const int64_t k = e % dim;
    float sum = 0;
    int64_t n = 0;
    for (int64_t i = 0; i < rows; ++i) {
      if (static_cast<int64_t>(labels[i]) != j) continue;
      ++n;
      sum -= offsets[i * dim + k];
    }
    if (n > 0) center_diff[e] += alpha / static_cast<float>(1 + n) * sum;
  }
}

}  // namespace

void CenterLossLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t count = rows_ * dim_;
  float* loss = top[0]->mutable_gpu_data(ctx);
  if (count == 0) {
    gpu::fill(ctx, 1, 0.0f, loss);
    return;
  }
  center_offsets<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, dim_, classes_, bottom[0]->gpu_data(ctx), bottom[1]->gpu_data(ctx),
      centers().gpu_data(ctx), offsets_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
  gpu::dot(ctx, count, offsets_.gpu_data(ctx), offsets_.gpu_data(ctx), loss);
  gpu::scal(ctx, 1, 1.0f / (2.0f * static_cast<float>(rows_)), loss);
}

void CenterLossLayer::backward_gpu(Context& ctx, Tensors top,
                                   const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  const int64_t count = rows_ * dim_;
  if (count == 0) return;
  if (propagate_down[0]) {
    feature_gradient<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        count, offsets_.gpu_data(ctx), top[0]->gpu_diff(ctx), 1.0f / static_cast<float>(rows_),
        bottom[0]->mutable_gpu_diff(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
  const int64_t center_count = classes_ * dim_;
  center_update<<<gpu::blocks_for(center_count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      center_count, dim_, rows_, bottom[1]->gpu_data(ctx), offsets_.gpu_data(ctx), alpha_,
      centers().mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
