// GPU half of layers/batch_norm.cpp. Per-channel sums run as one block per channel
// (cuda/channel_reduce.cuh); small per-channel kernels turn them into the statistics and update the
// running averages on the device, so nothing is read back to the host.
#include "cuda/channel_reduce.cuh"
#include "layers/batch_norm.hpp"

namespace visage {
namespace {

struct Value {
  const float* x;
  __device__ float operator()(int64_t index) const { return x[index]; }
};

// (x - mean_c)^2, with mean_c = sums[c] / m.
struct SquaredDeviation {
  const float* x;
  const float* sums;
  float inv_m;
  int64_t channels;
  int64_t inner;
  __device__ float operator()(int64_t index) const {
    const float d = x[index] - sums[(index / inner) % channels] * inv_m;
    return d * d;
  }
};

struct Product {
  const float* a;
  const float* b;
  __device__ float operator()(int64_t index) const { return a[index] * b[index]; }
};

// Batch statistics from the sums; running averages updated; 1 / sqrt(var + eps).
__global__ void finish_batch_stats(int64_t channels, float inv_m, float correction, float fraction,
                                   float eps, float* mean, float* variance, float* inv_std,
                                   float* running_mean, float* running_variance,
                                   float* running_normaliser) {
  VISAGE_KERNEL_LOOP(c, channels) {
    mean[c] *= inv_m;
    variance[c] *= inv_m;
    running_mean[c] = fraction * running_mean[c] + mean[c];
    running_variance[c] = fraction * running_variance[c] + correction * variance[c];
    inv_std[c] = 1.0f / sqrtf(variance[c] + eps);
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    *running_normaliser = fraction * *running_normaliser + 1.0f;
  }
}

__global__ void global_stats(int64_t channels, float eps, const float* running_mean,
                             const float* running_variance, const float* running_normaliser,
                             float* mean, float* variance, float* inv_std) {
  const float normaliser = *running_normaliser;
  const float factor = normaliser == 0.0f ? 0.0f : 1.0f / normaliser;
  VISAGE_KERNEL_LOOP(c, channels) {
    mean[c] = running_mean[c] * factor;
    variance[c] = running_variance[c] * factor;
    inv_std[c] = 1.0f / sqrtf(variance[c] + eps);
  }
}

__global__ void normalize(int64_t count, int64_t channels, int64_t inner, const float* in,
                          const float* mean, const float* inv_std, float* out) {
  VISAGE_KERNEL_LOOP(i, count) {
    const int64_t c = (i / inner) % channels;
    out[i] = (in[i] - mean[c]) * inv_std[c];
  }
}

// dx = (dy - sum_dy / m - y * sum_dy_y / m) * inv_std; the sums are absent (nullptr) with global
// statistics.
__global__ void normalize_backward(int64_t count, int64_t channels, int64_t inner, float inv_m,
                                   const float* out, const float* top_diff, const float* sum_dy,
                                   const float* sum_dy_y, const float* inv_std,
                                   float* bottom_diff) {
  VISAGE_KERNEL_LOOP(i, count) {
    const int64_t c = (i / inner) % channels;
    const float centred = sum_dy == nullptr
                              ? top_diff[i]
                              : top_diff[i] - sum_dy[c] * inv_m - out[i] * sum_dy_y[c] * inv_m;
    bottom_diff[i] = centred * inv_std[c];
  }
}

}  // namespace

void BatchNormLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const float* in = bottom[0]->gpu_data(ctx);
  float* mean = mean_.mutable_gpu_data(ctx);
  float* variance = variance_.mutable_gpu_data(ctx);
  float* inv_std = inv_std_.mutable_gpu_data(ctx);
  const auto stream = gpu::stream(ctx);
  const int64_t m = outer_ * inner_;
  if (use_global_stats()) {
    global_stats<<<gpu::blocks_for(channels_), gpu::kThreadsPerBlock, 0, stream>>>(
        channels_, eps_, running_mean().gpu_data(ctx), running_variance().gpu_data(ctx),
        running_normaliser().gpu_data(ctx), mean, variance, inv_std);
    VISAGE_CUDA_CHECK_LAUNCH();
  } else {
    VISAGE_LAYER_CHECK(m > 0, "cannot compute batch statistics of an empty input ",
                       bottom[0]->shape_string());
    const float inv_m = 1.0f / static_cast<float>(m);
    const float correction = m > 1 ? static_cast<float>(m) / static_cast<float>(m - 1) : 1.0f;
    gpu::channel_sum(ctx, outer_, channels_, inner_, 0.0f, Value{in}, mean);
    gpu::channel_sum(ctx, outer_, channels_, inner_, 0.0f,
                     SquaredDeviation{in, mean, inv_m, channels_, inner_}, variance);
    finish_batch_stats<<<gpu::blocks_for(channels_), gpu::kThreadsPerBlock, 0, stream>>>(
        channels_, inv_m, correction, moving_average_fraction_, eps_, mean, variance, inv_std,
        running_mean().mutable_gpu_data(ctx), running_variance().mutable_gpu_data(ctx),
        running_normaliser().mutable_gpu_data(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
  const int64_t count = bottom[0]->count();
  if (count == 0) return;
  normalize<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, stream>>>(
      count, channels_, inner_, in, mean, inv_std, top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void BatchNormLayer::backward_gpu(Context& ctx, Tensors top,
                                  const std::vector<bool>& propagate_down, Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t count = top[0]->count();
  if (count == 0) return;
  const float* out = top[0]->gpu_data(ctx);
  const float* top_diff = top[0]->gpu_diff(ctx);
  const float* sum_dy = nullptr;
  const float* sum_dy_y = nullptr;
  if (!use_global_stats()) {
    gpu::channel_sum(ctx, outer_, channels_, inner_, 0.0f, Value{top_diff},
                     sum_dy_.mutable_gpu_data(ctx));
    gpu::channel_sum(ctx, outer_, channels_, inner_, 0.0f, Product{top_diff, out},
                     sum_dy_y_.mutable_gpu_data(ctx));
    sum_dy = sum_dy_.gpu_data(ctx);
    sum_dy_y = sum_dy_y_.gpu_data(ctx);
  }
  normalize_backward<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, channels_, inner_, 1.0f / static_cast<float>(outer_ * inner_), out, top_diff, sum_dy,
      sum_dy_y, inv_std_.gpu_data(ctx), bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
