// GPU half of layers/locally_connected.cpp, in the same layouts (see the header): per chunk of
// locations, one gather kernel builds the (L, N, K) patch matrices, one cuBLAS strided-batched
// GEMM multiplies every location's patches by its own filters, and one kernel transposes the
// (L, N, O) results into the NCHW top. Backward mirrors it; the bottom gradient is a gather over
// the locations that read each pixel (no atomics).
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

__device__ int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

// columns[l][n][k] for the chunk's locations (see gather_patches in the CPU half).
__global__ void gather_patches(int64_t total, Chunk c, const float* in, float* columns) {
  const WindowGeometry& g = c.g;
  const int64_t patch = g.patch_size();
  const int64_t taps = g.kernel_h * g.kernel_w;
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t k = i % patch;
    const int64_t n = (i / patch) % c.batch;
    const int64_t l = c.first + i / (patch * c.batch);
    const int64_t channel = k / taps;
    const int64_t y = (l / c.out_w) * g.stride_h - g.pad_h + (k % taps) / g.kernel_w;
    const int64_t x = (l % c.out_w) * g.stride_w - g.pad_w + k % g.kernel_w;
    const bool inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
    columns[i] = inside ? in[((n * g.channels + channel) * g.height + y) * g.width + x] : 0.0f;
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
__global__ void scatter_patches(int64_t total, Chunk c, RowSpan span, const float* columns_diff,
                                float* in_diff) {
  const WindowGeometry& g = c.g;
  const int64_t patch = g.patch_size();
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t x = i % g.width;
    const int64_t y = span.first_row + (i / g.width) % span.rows;
    const int64_t channel = (i / (g.width * span.rows)) % g.channels;
    const int64_t n = i / (g.width * span.rows * g.channels);
    // Output rows oy with oy * stride - pad <= y < oy * stride - pad + kernel, likewise columns.
    const int64_t ry = y + g.pad_h;
    const int64_t rx = x + g.pad_w;
    const int64_t oy0 = ry < g.kernel_h ? 0 : (ry - g.kernel_h) / g.stride_h + 1;
    const int64_t oy1 = smaller(ry / g.stride_h + 1, c.out_h);
    const int64_t ox0 = rx < g.kernel_w ? 0 : (rx - g.kernel_w) / g.stride_w + 1;
    const int64_t ox1 = smaller(rx / g.stride_w + 1, c.out_w);
    float sum = 0;
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      for (int64_t ox = ox0; ox < ox1; ++ox) {
        const int64_t l = oy * c.out_w + ox;
        if (l < c.first || l >= c.first + c.count) continue;
        const int64_t ki = ry - oy * g.stride_h;
        const int64_t kj = rx - ox * g.stride_w;
        const int64_t k = (channel * g.kernel_h + ki) * g.kernel_w + kj;
        sum += columns_diff[((l - c.first) * c.batch + n) * patch + k];
      }
    }
    in_diff[((n * g.channels + channel) * g.height + y) * g.width + x] += sum;
  }
}

// top[n][o][first + l] = results[l][n][o] + bias[first + l][o].
__global__ void results_to_top(int64_t total, Chunk c, const float* results, const float* bias,
                               float* out) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t o = i % c.outputs;
    const int64_t n = (i / c.outputs) % c.batch;
    const int64_t l = c.first + i / (c.outputs * c.batch);
    const float b = bias != nullptr ? bias[l * c.outputs + o] : 0.0f;
    out[(n * c.outputs + o) * c.out_h * c.out_w + l] = results[i] + b;
  }
}

// dy[l][n][o] = top_diff[n][o][first + l].
__global__ void top_to_results(int64_t total, Chunk c, const float* top_diff, float* dy) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t o = i % c.outputs;
    const int64_t n = (i / c.outputs) % c.batch;
    const int64_t l = c.first + i / (c.outputs * c.batch);
    dy[i] = top_diff[(n * c.outputs + o) * c.out_h * c.out_w + l];
  }
}

// bias_diff[first + l][o] += sum over n of dy[l][n][o].
__global__ void accumulate_bias(int64_t total, Chunk c, const float* dy, float* bias_diff) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t o = i % c.outputs;
    const int64_t l = i / c.outputs;
    float sum = 0;
    for (int64_t n = 0; n < c.batch; ++n) sum += dy[(l * c.batch + n) * c.outputs + o];
    bias_diff[(c.first + l) * c.outputs + o] += sum;
  }
}

template <typename Kernel, typename... Args>
void launch(const Context& ctx, Kernel kernel, int64_t total, Args... args) {
  kernel<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(total, args...);
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
  for (c.first = 0; c.first < locations(); c.first += chunk) {
    c.count = std::min(chunk, locations() - c.first);
    launch(ctx, gather_patches, c.count * n * k, c, in, columns);
    gpu::gemm_strided_batched(ctx, Trans::no, Trans::yes, n, o, k, 1.0f, columns, n * k,
                              w + c.first * o * k, o * k, 0.0f, results, n * o, c.count);
    launch(ctx, results_to_top, c.count * n * o, c, results, b, out);
  }
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
  for (c.first = 0; c.first < locations(); c.first += chunk) {
    c.count = std::min(chunk, locations() - c.first);
    launch(ctx, top_to_results, c.count * n * o, c, top_diff, dy);
    if (b_diff != nullptr) launch(ctx, accumulate_bias, c.count * o, c, dy, b_diff);
    launch(ctx, gather_patches, c.count * n * k, c, in, columns);
    gpu::gemm_strided_batched(ctx, Trans::yes, Trans::no, o, k, n, 1.0f, dy, n * o, columns, n * k,
                              1.0f, w_diff + c.first * o * k, o * k, c.count);
    if (in_diff == nullptr) continue;
    gpu::gemm_strided_batched(ctx, Trans::no, Trans::no, n, k, o, 1.0f, dy, n * o,
                              w + c.first * o * k, o * k, 0.0f, columns_diff, n * k, c.count);
    const RowSpan span = rows_read_by(c);
    if (span.rows <= 0) continue;  // every window of the chunk lies in the padding
    launch(ctx, scatter_patches, n * window_.channels * span.rows * window_.width, c, span,
           columns_diff, in_diff);
  }
}

}  // namespace visage
