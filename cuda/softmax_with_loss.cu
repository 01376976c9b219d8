// GPU half of losses/softmax_with_loss.cpp. The loss is reduced on the device and the normalizer
// stays there for backward, so nothing waits for the host. A label out of range cannot throw from
// a kernel without a round trip, so it turns the loss into NaN instead (the CPU path names it).
#include <cfloat>
#include <cmath>

#include "cuda/kernel.cuh"
#include "losses/softmax_with_loss.hpp"

namespace visage {
namespace {

struct Labels {
  const float* values;
  bool has_ignore;
  int ignore;
  __device__ int at(int64_t position) const { return static_cast<int>(values[position]); }
  __device__ bool ignored(int label) const { return has_ignore && label == ignore; }
};

__global__ void loss_per_position(int64_t positions, int64_t classes, int64_t inner,
                                  const float* prob, Labels labels, float* loss, float* valid) {
  VISAGE_KERNEL_LOOP(p, positions) {
    const int label = labels.at(p);
    if (labels.ignored(label)) {
      loss[p] = 0.0f;
      valid[p] = 0.0f;
      continue;
    }
    valid[p] = 1.0f;
    if (label < 0 || label >= classes) {
      loss[p] = NAN;
      continue;
    }
    const float q = prob[((p / inner) * classes + label) * inner + p % inner];
    loss[p] = -logf(fmaxf(q, FLT_MIN));
  }
}

// One block sums the per-position losses and counts (a batch's worth of positions), then writes
// the normalised loss and keeps the normalizer for backward.
__global__ void finish_loss(int64_t positions, const float* loss, const float* valid, int mode,
                            int64_t full, int64_t batch, float* top, float* normalizer) {
  __shared__ float loss_sum[gpu::kThreadsPerBlock];
  __shared__ float valid_sum[gpu::kThreadsPerBlock];
  float l = 0.0f;
  float v = 0.0f;
  for (int64_t p = threadIdx.x; p < positions; p += blockDim.x) {
    l += loss[p];
    v += valid[p];
  }
  loss_sum[threadIdx.x] = l;
  valid_sum[threadIdx.x] = v;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      loss_sum[threadIdx.x] += loss_sum[threadIdx.x + half];
      valid_sum[threadIdx.x] += valid_sum[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    float n = 1.0f;
    switch (mode) {
      case proto::LossParameter::FULL:
        n = static_cast<float>(full);
        break;
      case proto::LossParameter::VALID:
        n = valid_sum[0];
        break;
      case proto::LossParameter::BATCH_SIZE:
        n = static_cast<float>(batch);
        break;
      default:
        break;
    }
    n = fmaxf(n, 1.0f);
    *normalizer = n;
    *top = loss_sum[0] / n;
  }
}

__global__ void loss_gradient(int64_t count, int64_t classes, int64_t inner, const float* prob,
                              Labels labels, const float* top_diff, const float* normalizer,
                              float* bottom_diff) {
  const float scale = top_diff[0] / normalizer[0];
  VISAGE_KERNEL_LOOP(k, count) {
    const int64_t i = k % inner;
    const int64_t c = (k / inner) % classes;
    const int label = labels.at((k / (inner * classes)) * inner + i);
    bottom_diff[k] = labels.ignored(label) ? 0.0f : scale * (prob[k] - (c == label ? 1.0f : 0.0f));
  }
}

}  // namespace

void SoftmaxWithLossLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  run_softmax(ctx, *bottom[0]);
  const int64_t positions = outer_ * inner_;
  per_position_.reshape({positions});
  gpu_normalizer_.reshape({1});
  const Labels labels{bottom[1]->gpu_data(ctx), ignore_label_.has_value(),
                      ignore_label_.value_or(0)};
  if (positions > 0) {
    loss_per_position<<<gpu::blocks_for(positions), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        positions, classes_, inner_, prob_.gpu_data(ctx), labels,
        per_position_.mutable_gpu_data(ctx), per_position_.mutable_gpu_diff(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
  finish_loss<<<1, gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      positions, per_position_.gpu_data(ctx), per_position_.gpu_diff(ctx),
      static_cast<int>(normalization_), positions, outer_, top[0]->mutable_gpu_data(ctx),
      gpu_normalizer_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void SoftmaxWithLossLayer::backward_gpu(Context& ctx, Tensors top,
                                        const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  const int64_t count = bottom[0]->count();
  if (!propagate_down[0] || count == 0) return;
  const Labels labels{bottom[1]->gpu_data(ctx), ignore_label_.has_value(),
                      ignore_label_.value_or(0)};
  loss_gradient<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, classes_, inner_, prob_.gpu_data(ctx), labels, top[0]->gpu_diff(ctx),
      gpu_normalizer_.gpu_data(ctx), bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
