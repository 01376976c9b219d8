// GPU half of losses/triplet_loss.cpp, with the definitions of losses/triplet_mining.hpp. The
// distance matrix is one cuBLAS GEMM; mining runs in device kernels (one block per anchor, each
// writing its row of the coefficient matrix and a partial tally), and one single-block kernel
// reduces the tallies in a fixed order into the loss, the statistics and the normaliser. In a
// single-process run nothing waits for the host (a data-parallel forward waits for its two
// all-gathers), and backward reads the loss weight and the normaliser on the device.
#include <cfloat>

#include "core/communicator.hpp"
#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "losses/triplet_loss.hpp"

namespace visage {
namespace {

using proto::TripletLossParameter;

using triplet::closer;
using triplet::farther;
using triplet::Pick;
using WarpSums = triplet::Sums<float>;

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;

template <typename Better>
__device__ Pick warp_best(Pick p, Better better) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const Pick other{__shfl_down_sync(0xffffffffu, p.value, offset),
                     __shfl_down_sync(0xffffffffu, p.index, offset)};
    if (better(other, p)) p = other;
  }
  return Pick{__shfl_sync(0xffffffffu, p.value, 0), __shfl_sync(0xffffffffu, p.index, 0)};
}

__global__ void squared_norms_from_gram(int64_t n, const float* gram, float* squared_norms) {
  VISAGE_KERNEL_LOOP(i, n) { squared_norms[i] = gram[i * n + i]; }
}

// Gram matrix to distances, in place; its diagonal was saved first.
__global__ void gram_to_distances(int64_t n, triplet::Distance distance, const float* squared_norms,
                                  float* dist) {
  VISAGE_KERNEL_LOOP(k, n * n) {
    dist[k] =
        triplet::distance_from_gram(distance, dist[k], squared_norms[k / n], squared_norms[k % n]);
  }
}

// Counts a triplet into the tally and, when its hinge is positive, into the anchor's row of C.
__device__ void use(WarpSums& tally, float* row, int p, int m, float positive, float negative,
                    float margin) {
  if (tally.add_triplet(positive, negative, margin)) {
    atomicAdd(&row[p], 1.0f);  // small integers: exact, so the order does not matter
    atomicAdd(&row[m], -1.0f);
  }
}

// Sums the warps' tallies in warp order (deterministic) into the anchor's partials.
__device__ void write_partials(const WarpSums& tally, float* partials) {
  __shared__ float per_warp[kWarpsPerBlock][triplet::kNumSums];
  const int warp = threadIdx.x / kWarp;
  if (threadIdx.x % kWarp == 0) {
    for (int v = 0; v < triplet::kNumSums; ++v) per_warp[warp][v] = tally[v];
  }
  __syncthreads();
  if (threadIdx.x < triplet::kNumSums) {
    float sum = 0;
    for (int w = 0; w < kWarpsPerBlock; ++w) sum += per_warp[w][threadIdx.x];
    partials[threadIdx.x] = sum;
  }
}

// One block per anchor, one warp per anchor-positive pair: the closest negative farther than the
// positive, else the farthest negative (losses/triplet_loss.hpp).
__global__ void mine_semi_hard(int n, const float* dist, const float* labels, float margin,
                               float* coefficients, float* partials) {
  const int a = blockIdx.x;
  const int lane = threadIdx.x % kWarp;
  const float* d = dist + static_cast<int64_t>(a) * n;
  float* row = coefficients + static_cast<int64_t>(a) * n;
  const float label = labels[a];
  WarpSums tally;
  for (int p = threadIdx.x / kWarp; p < n; p += kWarpsPerBlock) {
    if (p == a || labels[p] != label) continue;
    tally[triplet::kSumPairs] += 1;
    const float positive = d[p];
    Pick outside{0, -1};
    Pick farthest{0, -1};
    for (int j = lane; j < n; j += kWarp) {
      if (labels[j] == label) continue;
      const Pick c{d[j], j};
      if (c.value > positive && closer(c, outside)) outside = c;
      if (farther(c, farthest)) farthest = c;
    }
    outside = warp_best(outside, closer);
    farthest = warp_best(farthest, farther);
    const Pick chosen = outside.index >= 0 ? outside : farthest;
    if (lane == 0 && chosen.index >= 0)
      use(tally, row, p, chosen.index, positive, chosen.value, margin);
  }
  write_partials(tally, partials + static_cast<int64_t>(a) * triplet::kNumSums);
}

// One block per anchor; warp 0 finds the farthest positive and the closest negative.
__global__ void mine_hard(int n, const float* dist, const float* labels, float margin,
                          float* coefficients, float* partials) {
  const int a = blockIdx.x;
  const float* d = dist + static_cast<int64_t>(a) * n;
  const float label = labels[a];
  WarpSums tally;
  if (threadIdx.x < kWarp) {
    Pick positive{0, -1};
    Pick negative{0, -1};
    float pairs = 0;
    for (int j = threadIdx.x; j < n; j += kWarp) {
      if (j == a) continue;
      const Pick c{d[j], j};
      if (labels[j] == label) {
        pairs += 1;
        if (farther(c, positive)) positive = c;
      } else if (closer(c, negative)) {
        negative = c;
      }
    }
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      pairs += __shfl_down_sync(0xffffffffu, pairs, offset);
    }
    positive = warp_best(positive, farther);
    negative = warp_best(negative, closer);
    if (threadIdx.x == 0) {
      tally[triplet::kSumPairs] = pairs;
      if (positive.index >= 0 && negative.index >= 0) {
        use(tally, coefficients + static_cast<int64_t>(a) * n, positive.index, negative.index,
            positive.value, negative.value, margin);
      }
    }
  }
  write_partials(tally, partials + static_cast<int64_t>(a) * triplet::kNumSums);
}

// One block per anchor, one warp per anchor-positive pair, lanes over the negatives.
__global__ void mine_all(int n, const float* dist, const float* labels, float margin,
                         float* coefficients, float* partials) {
  const int a = blockIdx.x;
  const int lane = threadIdx.x % kWarp;
  const float* d = dist + static_cast<int64_t>(a) * n;
  float* row = coefficients + static_cast<int64_t>(a) * n;
  const float label = labels[a];
  WarpSums tally;
  for (int p = threadIdx.x / kWarp; p < n; p += kWarpsPerBlock) {
    if (p == a || labels[p] != label) continue;
    if (lane == 0) tally[triplet::kSumPairs] += 1;
    for (int j = lane; j < n; j += kWarp) {
      if (labels[j] != label) use(tally, row, p, j, d[p], d[j], margin);
    }
  }
  // Lanes hold their own tallies here; fold them into lane 0 in lane order.
  for (int v = 0; v < triplet::kNumSums; ++v) {
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      tally[v] += __shfl_down_sync(0xffffffffu, tally[v], offset);
    }
  }
  write_partials(tally, partials + static_cast<int64_t>(a) * triplet::kNumSums);
}

// Sums a block's per-thread values in a fixed tree order; the result is valid in thread 0.
template <int kValues>
__device__ void block_sum(double (&values)[kValues]) {
  __shared__ double shared[gpu::kThreadsPerBlock][kValues];
  for (int v = 0; v < kValues; ++v) shared[threadIdx.x][v] = values[v];
  __syncthreads();
  for (int stride = gpu::kThreadsPerBlock / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) {
      for (int v = 0; v < kValues; ++v) shared[threadIdx.x][v] += shared[threadIdx.x + stride][v];
    }
    __syncthreads();
  }
  for (int v = 0; v < kValues; ++v) values[v] = shared[0][v];
}

// One block: sums the anchors' partials into the loss, the statistics and the normaliser.
__global__ void finalize(int n, const float* partials, triplet::Mining mining, float* loss,
                         float* stats, float* normalizer) {
  triplet::Sums<double> sums;
  for (int a = threadIdx.x; a < n; a += blockDim.x) {
    for (int v = 0; v < triplet::kNumSums; ++v)
      sums[v] += partials[static_cast<int64_t>(a) * triplet::kNumSums + v];
  }
  block_sum(sums.values);
  if (threadIdx.x != 0) return;
  const triplet::Summary summary = triplet::summarize(sums, mining);
  *normalizer = summary.normalizer;
  *loss = summary.loss;
  if (stats == nullptr) return;
  for (int s = 0; s < triplet::kNumStats; ++s) stats[s] = summary.stats[s];
}

// One block per row k: weights M_kj and diagonal r_k of losses/triplet_mining.cpp's
// embedding_gradient, times loss weight / normaliser.
// `ranks` scales a data-parallel run's global gradient, as backward_cpu explains.
__global__ void gradient_weights(int n, triplet::Distance distance, const float* dist,
                                 const float* squared_norms, const float* coefficients,
                                 const float* loss_weight, const float* normalizer, float ranks,
                                 float* weights, float* diagonal) {
  const int k = blockIdx.x;
  const float scale = *loss_weight / *normalizer * ranks;
  double r[1] = {0};
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    const int64_t kj = static_cast<int64_t>(k) * n + j;
    const float s = coefficients[kj] + coefficients[static_cast<int64_t>(j) * n + k];
    const triplet::GradientTerm term =
        triplet::gradient_term(distance, s, dist[kj], squared_norms[k], squared_norms[j]);
    weights[kj] = scale * term.weight;
    r[0] += term.diagonal;
  }
  block_sum(r);
  if (threadIdx.x == 0) diagonal[k] = scale * static_cast<float>(r[0]);
}

__global__ void add_diagonal_term(int64_t n, int64_t dim, const float* diagonal, const float* x,
                                  float* grad) {
  VISAGE_KERNEL_LOOP(i, n * dim) { grad[i] += diagonal[i / dim] * x[i]; }
}

}  // namespace

// Mining across ranks gathers the global batch with the communicator's device all-gather (NCCL)
// and mines it here; a communicator without device collectives gathers on the host (MPI), and
// the CPU half mines, the tensors' mirrors carrying the results to the device.
void TripletLossLayer::gather_global_batch_on_device(Context& ctx, Tensors bottom) {
  Communicator& comm = *ctx.communicator();
  reshape_for_global_batch(comm.size());
  comm.all_gather_on_device(bottom[0]->gpu_data(ctx), global_embeddings_.mutable_gpu_data(ctx),
                            static_cast<std::size_t>(num_ * dim_), gpu::stream(ctx));
  comm.all_gather_on_device(bottom[1]->gpu_data(ctx), global_labels_.mutable_gpu_data(ctx),
                            static_cast<std::size_t>(num_), gpu::stream(ctx));
}

void TripletLossLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const bool global = ctx.data_parallel();
  if (global && !ctx.communicator()->reduces_on_device()) return forward_cpu(ctx, bottom, top);
  if (global) gather_global_batch_on_device(ctx, bottom);
  const int64_t rows = global ? global_num_ : num_;
  const float* x = global ? global_embeddings_.gpu_data(ctx) : bottom[0]->gpu_data(ctx);
  float* dist = dist_.mutable_gpu_data(ctx);
  float* squared_norms = squared_norms_.mutable_gpu_data(ctx);
  gpu::gemm(ctx, gpu::Trans::no, gpu::Trans::yes, rows, rows, dim_, 1.0f, x, x, 0.0f, dist);
  const cudaStream_t stream = gpu::stream(ctx);
  squared_norms_from_gram<<<gpu::blocks_for(rows), gpu::kThreadsPerBlock, 0, stream>>>(
      rows, dist, squared_norms);
  VISAGE_CUDA_CHECK_LAUNCH();
  gram_to_distances<<<gpu::blocks_for(rows * rows), gpu::kThreadsPerBlock, 0, stream>>>(
      rows, distance_, squared_norms, dist);
  VISAGE_CUDA_CHECK_LAUNCH();

  coefficients_.zero_data(ctx);
  const int n = gpu::checked_int(rows, "TripletLoss batch size");
  const float* labels = global ? global_labels_.gpu_data(ctx) : bottom[1]->gpu_data(ctx);
  float* coefficients = coefficients_.mutable_gpu_data(ctx);
  float* partials = partials_.mutable_gpu_data(ctx);
  const int threads = kWarp * kWarpsPerBlock;
  switch (mining_) {
    case TripletLossParameter::SEMI_HARD:
      mine_semi_hard<<<n, threads, 0, stream>>>(n, dist, labels, margin_, coefficients, partials);
      break;
    case TripletLossParameter::HARD:
      mine_hard<<<n, threads, 0, stream>>>(n, dist, labels, margin_, coefficients, partials);
      break;
    case TripletLossParameter::ALL:
      mine_all<<<n, threads, 0, stream>>>(n, dist, labels, margin_, coefficients, partials);
      break;
  }
  VISAGE_CUDA_CHECK_LAUNCH();
  finalize<<<1, gpu::kThreadsPerBlock, 0, stream>>>(
      n, partials, mining_, top[0]->mutable_gpu_data(ctx),
      top.size() > 1 ? top[1]->mutable_gpu_data(ctx) : nullptr,
      gpu_normalizer_.mutable_gpu_data(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

void TripletLossLayer::backward_gpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  if (!propagate_down[0]) return;
  const bool global = ctx.data_parallel();
  if (global && !ctx.communicator()->reduces_on_device()) {
    return backward_cpu(ctx, top, propagate_down, bottom);
  }
  const int64_t rows = global ? global_num_ : num_;
  const int n = gpu::checked_int(rows, "TripletLoss batch size");
  const cudaStream_t stream = gpu::stream(ctx);
  float* weights = weights_.mutable_gpu_data(ctx);
  float* diagonal = diagonal_.mutable_gpu_data(ctx);
  gradient_weights<<<n, gpu::kThreadsPerBlock, 0, stream>>>(
      n, distance_, dist_.gpu_data(ctx), squared_norms_.gpu_data(ctx), coefficients_.gpu_data(ctx),
      top[0]->gpu_diff(ctx), gpu_normalizer_.gpu_data(ctx), static_cast<float>(ctx.world_size()),
      weights, diagonal);
  VISAGE_CUDA_CHECK_LAUNCH();
  const float* x = global ? global_embeddings_.gpu_data(ctx) : bottom[0]->gpu_data(ctx);
  if (global) global_diff_.reshape({global_num_, dim_});
  float* grad = global ? global_diff_.mutable_gpu_diff(ctx) : bottom[0]->mutable_gpu_diff(ctx);
  gpu::gemm(ctx, gpu::Trans::no, gpu::Trans::no, rows, dim_, rows, -1.0f, weights, x, 0.0f, grad);
  add_diagonal_term<<<gpu::blocks_for(rows * dim_), gpu::kThreadsPerBlock, 0, stream>>>(
      rows, dim_, diagonal, x, grad);
  VISAGE_CUDA_CHECK_LAUNCH();
  // The global gradient's rows of this rank's embeddings.
  if (global) {
    gpu::copy(ctx, num_ * dim_, grad + ctx.rank() * num_ * dim_, bottom[0]->mutable_gpu_diff(ctx));
  }
}

}  // namespace visage
