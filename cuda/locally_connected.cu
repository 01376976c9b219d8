// GPU half of layers/locally_connected.cpp, in the same layouts (see the header): per chunk of
// locations, one gather kernel builds the (L, N, K) patch matrices, one cuBLAS strided-batched
// GEMM multiplies every location's patches by its own filters, and one kernel transposes the
// (L, N, O) results into the NCHW top. Backward mirrors it; the bottom gradient is a gather over
// the locations that read each pixel (no atomics). Indices are 32-bit where they fit.
#include <algorithm>

#include "cuda/kernel.cuh"
#include "cuda/math.hpp"
#include "cuda/resources.hpp"
#include "layers/locally_connected.hpp"

namespace visage {
namespace {

using gpu::Trans;

// Column floats per chunk on the GPU (128 MiB): few chunks even for DeepFace L4 at batch 128.
constexpr int64_t kGpuColumnBudget = int64_t{1} << 25;

// The layer's window geometry (rectangular kernel, stride and padding), its output size, and
// the batch and the chunk of locations [first, first + count) a launch works on.
struct Chunk {
  WindowGeometry g;
  int64_t out_h, out_w;
  int64_t batch, outputs, first, count;
};

Chunk chunk_of(const WindowGeometry& g, int64_t batch, int64_t outputs) {
  return {g, g.out_h(), g.out_w(), batch, outputs, 0, 0};
}

// The chunk's sizes in the kernel's index type (int32_t where every index fits: these kernels
// are mostly index arithmetic, and 64-bit division is slow).
template <typename Index>
struct Dims {
  Index channels, height, width, kernel_h, kernel_w, pad_h, pad_w, stride_h, stride_w;
  Index out_h, out_w, batch, outputs, patch, first, count;
};

template <typename Index>
Dims<Index> dims_of(const Chunk& c) {
  const auto as = [](int64_t v) { return static_cast<Index>(v); };
  const WindowGeometry& g = c.g;
  return {as(g.channels), as(g.height),       as(g.width), as(g.kernel_h),
          as(g.kernel_w), as(g.pad_h),        as(g.pad_w), as(g.stride_h),
          as(g.stride_w), as(c.out_h),        as(c.out_w), as(c.batch),
          as(c.outputs),  as(g.patch_size()), as(c.first), as(c.count)};
}

// columns[l][n][k] for the chunk's locations (see gather_patches in the CPU half).
template <typename Index>
__global__ void gather_patches(Index total, Dims<Index> d, const float* in, float* columns) {
  const Index taps = d.kernel_h * d.kernel_w;
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index k = i % d.patch;
    const Index n = (i / d.patch) % d.batch;
    const Index l = d.first + i / (d.patch * d.batch);
    const Index channel = k / taps;
    const Index y = (l / d.out_w) * d.stride_h - d.pad_h + (k % taps) / d.kernel_w;
    const Index x = (l % d.out_w) * d.stride_w - d.pad_w + k % d.kernel_w;
    const bool inside = y >= 0 && y < d.height && x >= 0 && x < d.width;
    columns[i] = inside ? in[((n * d.channels + channel) * d.height + y) * d.width + x] : 0.0f;
  }
}

// Input rows [first_row, first_row + rows) hold every pixel the chunk's windows read.
struct RowSpan {
  int64_t first_row, rows;
};

RowSpan rows_read_by(const Chunk& c) {
  const WindowGeometry& g = c.g;
  const int64_t first_oy = c.first / c.out_w;
  const int64_t last_oy = (c.first + c.count - 1) / c.out_w;
  const int64_t begin = std::max<int64_t>(first_oy * g.stride_h - g.pad_h, 0);
  const int64_t end = std::min<int64_t>(last_oy * g.stride_h - g.pad_h + g.kernel_h, g.height);
  return {begin, end - begin};
}

// in_diff[n][ch][y][x] += the column gradients of the chunk's locations that read (y, x), for
// the rows the chunk reads only (so all chunks together cost about one pass over the columns).
template <typename Index>
__global__ void scatter_patches(Index total, Dims<Index> d, Index first_row, Index rows,
                                const float* columns_diff, float* in_diff) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index x = i % d.width;
    const Index y = first_row + (i / d.width) % rows;
    const Index channel = (i / (d.width * rows)) % d.channels;
    const Index n = i / (d.width * rows * d.channels);
    // Output rows oy with oy * stride - pad <= y < oy * stride - pad + kernel, likewise columns.
    const Index ry = y + d.pad_h;
    const Index rx = x + d.pad_w;
    const Index oy0 = ry < d.kernel_h ? 0 : (ry - d.kernel_h) / d.stride_h + 1;
    const Index oy1 = min(ry / d.stride_h + 1, d.out_h);
    const Index ox0 = rx < d.kernel_w ? 0 : (rx - d.kernel_w) / d.stride_w + 1;
    const Index ox1 = min(rx / d.stride_w + 1, d.out_w);
    float sum = 0;
    for (Index oy = oy0; oy < oy1; ++oy) {
      for (Index ox = ox0; ox < ox1; ++ox) {
        const Index l = oy * d.out_w + ox;
        if (l < d.first || l >= d.first + d.count) continue;
        const Index ki = ry - oy * d.stride_h;
        const Index kj = rx - ox * d.stride_w;
        const Index k = (channel * d.kernel_h + ki) * d.kernel_w + kj;
        sum += columns_diff[((l - d.first) * d.batch + n) * d.patch + k];
      }
    }
    in_diff[((n * d.channels + channel) * d.height + y) * d.width + x] += sum;
  }
}

// top[n][o][first + l] = results[l][n][o] + bias[first + l][o].
template <typename Index>
__global__ void results_to_top(Index total, Dims<Index> d, const float* results, const float* bias,
                               float* out) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index o = i % d.outputs;
    const Index n = (i / d.outputs) % d.batch;
    const Index l = d.first + i / (d.outputs * d.batch);
    const float b = bias != nullptr ? bias[l * d.outputs + o] : 0.0f;
    out[(n * d.outputs + o) * d.out_h * d.out_w + l] = results[i] + b;
  }
}

// dy[l][n][o] = top_diff[n][o][first + l].
template <typename Index>
__global__ void top_to_results(Index total, Dims<Index> d, const float* top_diff, float* dy) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index o = i % d.outputs;
    const Index n = (i / d.outputs) % d.batch;
    const Index l = d.first + i / (d.outputs * d.batch);
    dy[i] = top_diff[(n * d.outputs + o) * d.out_h * d.out_w + l];
  }
}

// bias_diff[first + l][o] += sum over n of dy[l][n][o].
template <typename Index>
__global__ void accumulate_bias(Index total, Dims<Index> d, const float* dy, float* bias_diff) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index o = i % d.outputs;
    const Index l = i / d.outputs;
    float sum = 0;
    for (Index n = 0; n < d.batch; ++n) sum += dy[(l * d.batch + n) * d.outputs + o];
    bias_diff[(d.first + l) * d.outputs + o] += sum;
  }
}

template <typename Index, typename... Params, typename... Args>
void launch(const Context& ctx, void (*kernel)(Index, Params...), int64_t total, Args... args) {
  kernel<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      static_cast<Index>(total), args...);
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace

void LocallyConnectedLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t k = window_.patch_size();
  const int64_t o = num_output_;
  const int64_t n = batch_;
  const int64_t chunk = chunk_locations(kGpuColumnBudget);
  auto* columns = static_cast<float*>(ctx.cuda().workspace(sizeof(float) * chunk * n * (k + o)));
  float* results = columns + chunk * n * k;
  const float* in = bottom[0]->gpu_data(ctx);
  const float* w = weights().gpu_data(ctx);
  const float* b = bias_term_ ? bias().gpu_data(ctx) : nullptr;
  float* out = top[0]->mutable_gpu_data(ctx);
  Chunk c = chunk_of(window_, n, o);
  const int64_t bound = std::max({bottom[0]->count(), top[0]->count(), chunk * n * (k + o)});
  gpu::with_index_type(bound, [&]<typename Index>(Index) {
    for (c.first = 0; c.first < locations(); c.first += chunk) {
      c.count = std::min(chunk, locations() - c.first);
      const Dims<Index> d = dims_of<Index>(c);
      launch(ctx, gather_patches<Index>, c.count * n * k, d, in, columns);
      gpu::gemm_strided_batched(ctx, Trans::no, Trans::yes, n, o, k, 1.0f, columns, n * k,
                                w + c.first * o * k, o * k, 0.0f, results, n * o, c.count);
      launch(ctx, results_to_top<Index>, c.count * n * o, d, results, b, out);
    }
  });
}

void LocallyConnectedLayer::backward_gpu(Context& ctx, Tensors top,
                                         const std::vector<bool>& propagate_down, Tensors bottom) {
  const int64_t k = window_.patch_size();
  const int64_t o = num_output_;
  const int64_t n = batch_;
  const int64_t chunk = chunk_locations(kGpuColumnBudget);
  auto* columns =
      static_cast<float*>(ctx.cuda().workspace(sizeof(float) * chunk * n * (2 * k + o)));
  float* columns_diff = columns + chunk * n * k;
  float* dy = columns_diff + chunk * n * k;
  const float* in = bottom[0]->gpu_data(ctx);
  const float* top_diff = top[0]->gpu_diff(ctx);
  const float* w = weights().gpu_data(ctx);
  // Parameter gradients accumulate (iter_size and shared weights rely on it).
  float* w_diff = weights().mutable_gpu_diff(ctx);
  float* b_diff = bias_term_ ? bias().mutable_gpu_diff(ctx) : nullptr;
  float* in_diff = nullptr;
  if (propagate_down[0]) {
    bottom[0]->zero_diff(ctx);
    in_diff = bottom[0]->mutable_gpu_diff(ctx);
  }
  Chunk c = chunk_of(window_, n, o);
  const int64_t bound = std::max({bottom[0]->count(), top[0]->count(), chunk * n * (2 * k + o)});
  gpu::with_index_type(bound, [&]<typename Index>(Index) {
    for (c.first = 0; c.first < locations(); c.first += chunk) {
      c.count = std::min(chunk, locations() - c.first);
      const Dims<Index> d = dims_of<Index>(c);
      launch(ctx, top_to_results<Index>, c.count * n * o, d, top_diff, dy);
      if (b_diff != nullptr) launch(ctx, accumulate_bias<Index>, c.count * o, d, dy, b_diff);
      launch(ctx, gather_patches<Index>, c.count * n * k, d, in, columns);
      gpu::gemm_strided_batched(ctx, Trans::yes, Trans::no, o, k, n, 1.0f, dy, n * o, columns,
                                n * k, 1.0f, w_diff + c.first * o * k, o * k, c.count);
      if (in_diff == nullptr) continue;
      gpu::gemm_strided_batched(ctx, Trans::no, Trans::no, n, k, o, 1.0f, dy, n * o,
                                w + c.first * o * k, o * k, 0.0f, columns_diff, n * k, c.count);
      const RowSpan span = rows_read_by(c);
      if (span.rows <= 0) continue;  // every window of the chunk lies in the padding
      launch(ctx, scatter_patches<Index>, n * window_.channels * span.rows * window_.width, d,
             static_cast<Index>(span.first_row), static_cast<Index>(span.rows),
             static_cast<const float*>(columns_diff), in_diff);
    }
  });
}

}  // namespace visage
