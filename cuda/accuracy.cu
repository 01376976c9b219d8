// GPU half of layers/accuracy.cpp, computed on the device: one pass marks each position as a hit,
// a miss or ignored, one block reduces the marks into the accuracy, and one thread per class
// tallies the per-class top. A label out of range makes the accuracy NaN (the CPU path names it).
#include <cmath>

#include "cuda/kernel.cuh"
#include "layers/accuracy.hpp"

namespace visage {
namespace {

constexpr float kIgnored = -1.0f;
constexpr float kInvalid = -2.0f;

__global__ void mark_positions(int64_t positions, int64_t classes, int64_t inner, int64_t top_k,
                               const float* scores, const float* labels, bool has_ignore,
                               int ignore, float* marks) {
  VISAGE_KERNEL_LOOP(p, positions) {
    const int label = static_cast<int>(labels[p]);
    if (has_ignore && label == ignore) {
      marks[p] = kIgnored;
      continue;
    }
    if (label < 0 || label >= classes) {
      marks[p] = kInvalid;
      continue;
    }
    const float* row = scores + (p / inner) * classes * inner + p % inner;
    const float truth = row[label * inner];
    int64_t rivals = 0;  // other classes scoring at least as high as the label (ties count)
    for (int64_t c = 0; c < classes && rivals < top_k; ++c) {
      if (c != label && row[c * inner] >= truth) ++rivals;
    }
    marks[p] = rivals < top_k ? 1.0f : 0.0f;
  }
}

__global__ void finish_accuracy(int64_t positions, const float* marks, float* top) {
  __shared__ float hits[gpu::kThreadsPerBlock];
  __shared__ float counted[gpu::kThreadsPerBlock];
  __shared__ int invalid[gpu::kThreadsPerBlock];
  float h = 0.0f;
  float n = 0.0f;
  int bad = 0;
  for (int64_t p = threadIdx.x; p < positions; p += blockDim.x) {
    const float m = marks[p];
    if (m == kInvalid) bad = 1;
    if (m >= 0.0f) {
      h += m;
      n += 1.0f;
    }
  }
  hits[threadIdx.x] = h;
  counted[threadIdx.x] = n;
  invalid[threadIdx.x] = bad;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      hits[threadIdx.x] += hits[threadIdx.x + half];
      counted[threadIdx.x] += counted[threadIdx.x + half];
      invalid[threadIdx.x] |= invalid[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    *top = invalid[0] ? NAN : (counted[0] > 0.0f ? hits[0] / counted[0] : 0.0f);
  }
}

__global__ void per_class_accuracy(int64_t positions, int64_t classes, const float* marks,
                                   const float* labels, float* out) {
  VISAGE_KERNEL_LOOP(c, classes) {
    float seen = 0.0f;
    float hits = 0.0f;
    for (int64_t p = 0; p < positions; ++p) {
      if (marks[p] >= 0.0f && static_cast<int>(labels[p]) == c) {
        seen += 1.0f;
        hits += marks[p];
      }
    }
    out[c] = seen > 0.0f ? hits / seen : 0.0f;
  }
}

}  // namespace

void AccuracyLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t positions = outer_ * inner_;
  per_position_.reshape({positions});
  const float* labels = bottom[1]->gpu_data(ctx);
  if (positions > 0) {
    mark_positions<<<gpu::blocks_for(positions), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        positions, classes_, inner_, top_k_, bottom[0]->gpu_data(ctx), labels,
        ignore_label_.has_value(), ignore_label_.value_or(0), per_position_.mutable_gpu_data(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
  finish_accuracy<<<1, gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      positions, per_position_.gpu_data(ctx), top[0]->mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
  if (top.size() > 1) {
    per_class_accuracy<<<gpu::blocks_for(classes_), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        positions, classes_, per_position_.gpu_data(ctx), labels, top[1]->mutable_gpu_data(ctx));
    VISAGE_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace visage
