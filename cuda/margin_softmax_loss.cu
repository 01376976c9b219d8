// GPU half of losses/margin_softmax_loss.cpp: the same formulas (losses/margin_softmax_math.hpp),
// one thread per row, class or element visiting values in the CPU loops' order, and cuBLAS for the
// three products. The batch's loss and statistics are summed by one block in a fixed order, so
// runs repeat bit for bit and the forward never waits for the host. A label out of range cannot
// throw from a kernel without a round trip, so it makes the loss NaN (the CPU path names it).
#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "losses/margin_softmax_loss.hpp"

namespace visage {
namespace {

using margin_softmax::Margin;

// Per row of the statistics: its loss, whether its nearest class is its own, its target cosine.
constexpr int kRowStats = 3;

__global__ void normalize_rows(int64_t rows, int64_t dim, const float* in, float* unit,
                               float* inverse_norms) {
  VISAGE_KERNEL_LOOP(i, rows) {
    inverse_norms[i] = margin_softmax::normalize_row(in + i * dim, dim, unit + i * dim);
  }
}

__global__ void row_losses(int64_t rows, int64_t classes, const float* cosines, const float* labels,
                           Margin margin, float scale, float* prob, float* stats) {
  VISAGE_KERNEL_LOOP(i, rows) {
    float* row_stats = stats + i * kRowStats;
    const auto label = static_cast<int64_t>(labels[i]);
    if (label < 0 || label >= classes) {
      for (int s = 0; s < kRowStats; ++s) row_stats[s] = NAN;
      continue;
    }
    const float* row = cosines + i * classes;
    row_stats[0] = margin_softmax::row_loss(row, classes, label, margin, scale, prob + i * classes);
    row_stats[1] = margin_softmax::nearest_class(row, classes) == label ? 1.0f : 0.0f;
    row_stats[2] = row[label];
  }
}

// One block of kThreadsPerBlock threads sums the rows' statistics and writes the means: the loss
// to loss[0] and, when top_stats is not null, accuracy and mean target cosine to top_stats[0, 1].
__global__ void finish_forward(int64_t rows, const float* stats, float* loss, float* top_stats) {
  __shared__ float sums[kRowStats][gpu::kThreadsPerBlock];
  for (int s = 0; s < kRowStats; ++s) {
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < rows; i += blockDim.x) sum += stats[i * kRowStats + s];
    sums[s][threadIdx.x] = sum;
  }
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      for (int s = 0; s < kRowStats; ++s) sums[s][threadIdx.x] += sums[s][threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const auto n = static_cast<float>(rows);
    loss[0] = sums[0][0] / n;
    if (top_stats != nullptr) {
      top_stats[0] = sums[1][0] / n;
      top_stats[1] = sums[2][0] / n;
    }
  }
}

__global__ void cosine_gradients(int64_t count, int64_t classes, const float* prob,
                                 const float* cosines, const float* labels, Margin margin,
                                 float scale, const float* top_diff, float rows, float* gradient) {
  const float weight = top_diff[0] / rows;
  VISAGE_KERNEL_LOOP(e, count) {
    const auto label = static_cast<int64_t>(labels[e / classes]);
    gradient[e] = margin_softmax::cosine_gradient(prob[e], cosines[e], e % classes == label, margin,
                                                  scale, weight);
  }
}

// dots[t] = strided_dot(a + t * step, b + t * step, length, stride) for t < n: per row of the
// rows x classes matrices (step classes, stride 1) or per class (step 1, stride classes).
__global__ void strided_dots(int64_t n, int64_t length, int64_t step, int64_t stride,
                             const float* a, const float* b, float* dots) {
  VISAGE_KERNEL_LOOP(t, n) {
    dots[t] = margin_softmax::strided_dot(a + t * step, b + t * step, length, stride);
  }
}

// The gradient through the normalisation of n rows of length dim, written to out or, with
// accumulate, added to it.
__global__ void normalization_gradient(int64_t count, int64_t dim, const float* projected,
                                       const float* dots, const float* unit,
                                       const float* inverse_norms, bool accumulate, float* out) {
  VISAGE_KERNEL_LOOP(e, count) {
    const int64_t row = e / dim;
    const float g =
        margin_softmax::through_normalization(projected[e], dots[row], unit[e], inverse_norms[row]);
    out[e] = accumulate ? out[e] + g : g;
  }
}

}  // namespace

void MarginSoftmaxLossLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  normalize_rows<<<gpu::blocks_for(rows_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      rows_, dim_, bottom[0]->gpu_data(ctx), unit_embeddings_.mutable_gpu_data(ctx),
      embedding_inverse_norms_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
  normalize_rows<<<gpu::blocks_for(classes_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      classes_, dim_, class_weights().gpu_data(ctx), unit_weights_.mutable_gpu_data(ctx),
      weight_inverse_norms_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
  gpu::gemm(ctx, gpu::Trans::no, gpu::Trans::yes, rows_, classes_, dim_, 1.0f,
            unit_embeddings_.gpu_data(ctx), unit_weights_.gpu_data(ctx), 0.0f,
            cosines_.mutable_gpu_data(ctx));
  row_losses<<<gpu::blocks_for(rows_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      rows_, classes_, cosines_.gpu_data(ctx), bottom[1]->gpu_data(ctx), margin_, scale_,
      prob_.mutable_gpu_data(ctx), row_stats_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
  finish_forward<<<1, gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      rows_, row_stats_.gpu_data(ctx), top[0]->mutable_gpu_data(ctx),
      top.size() > 1 ? top[1]->mutable_gpu_data(ctx) : nullptr);
  VISAGE_CUDA_CHECK_LAUNCH();
}

void MarginSoftmaxLossLayer::backward_gpu(Context& ctx, Tensors top,
                                          const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  const int64_t entries = rows_ * classes_;
  float* gradient = prob_.mutable_gpu_diff(ctx);
  cosine_gradients<<<gpu::blocks_for(entries), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      entries, classes_, prob_.gpu_data(ctx), cosines_.gpu_data(ctx), bottom[1]->gpu_data(ctx),
      margin_, scale_, top[0]->gpu_diff(ctx), static_cast<float>(rows_), gradient);
  VISAGE_CUDA_CHECK_LAUNCH();
  const float* cosines = cosines_.gpu_data(ctx);
  float* row_dots = embedding_inverse_norms_.mutable_gpu_diff(ctx);
  strided_dots<<<gpu::blocks_for(rows_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      rows_, classes_, classes_, 1, gradient, cosines, row_dots);
  VISAGE_CUDA_CHECK_LAUNCH();
  float* class_dots = weight_inverse_norms_.mutable_gpu_diff(ctx);
  strided_dots<<<gpu::blocks_for(classes_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      classes_, rows_, 1, classes_, gradient, cosines, class_dots);
  VISAGE_CUDA_CHECK_LAUNCH();

  const float* u = unit_embeddings_.gpu_data(ctx);
  const float* w = unit_weights_.gpu_data(ctx);
  if (propagate_down[0]) {
    float* projected = unit_embeddings_.mutable_gpu_diff(ctx);
    gpu::gemm(ctx, gpu::Trans::no, gpu::Trans::no, rows_, dim_, classes_, 1.0f, gradient, w, 0.0f,
              projected);
    const int64_t count = rows_ * dim_;
    normalization_gradient<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        count, dim_, projected, row_dots, u, embedding_inverse_norms_.gpu_data(ctx), false,
        bottom[0]->mutable_gpu_diff(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
  float* projected = unit_weights_.mutable_gpu_diff(ctx);
  gpu::gemm(ctx, gpu::Trans::yes, gpu::Trans::no, classes_, dim_, rows_, 1.0f, gradient, u, 0.0f,
            projected);
  const int64_t count = classes_ * dim_;
  normalization_gradient<<<gpu::blocks_for(count), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      count, dim_, projected, class_dots, w, weight_inverse_norms_.gpu_data(ctx), true,
      class_weights().mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
