#include "layers/pooling.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "layers/sliced_parallel.hpp"

namespace visage {

using proto::PoolingParameter;

namespace {

// The windows along one axis. Output p reads inputs [first[p], last[p]) (its window clipped to
// the image), and its extent clipped to the padded image is padded[p] (AVE's divisor is the
// product of the two axes' extents). Tap k of output p reads input p * stride - pad + k, inside the
// image for the outputs [taps[k].first, taps[k].last).
struct Tap {
  int first, last, shift;  // shift = k - pad
};

struct AxisWindows {
  int stride;
  std::vector<int> first, last, padded;
  std::vector<Tap> taps;
};

AxisWindows axis_windows(int size, int pooled, int kernel, int stride, int pad) {
  AxisWindows a{stride, {}, {}, {}, {}};
  for (int p = 0; p < pooled; ++p) {
    const int start = p * stride - pad;
    const int end = std::min(start + kernel, size + pad);
    a.padded.push_back(end - start);
    a.first.push_back(std::max(start, 0));
    a.last.push_back(std::min(end, size));
  }
  for (int k = 0; k < kernel; ++k) {
    const int lo = pad > k ? (pad - k + stride - 1) / stride : 0;
    const int reach = size - 1 + pad - k;  // p * stride <= reach keeps the input inside
    const int hi = reach >= 0 ? reach / stride + 1 : 0;
    a.taps.push_back({std::min(lo, pooled), std::clamp(hi, std::min(lo, pooled), pooled), k - pad});
  }
  return a;
}

// Planes per block handed to a worker: about eight blocks per worker, so that a preempted worker's
// share is small, and each block's scratch is allocated once.
int64_t block_planes(int64_t planes, int workers) {
  return std::max<int64_t>(planes / (8 * int64_t{workers}), 1);
}

// Every 2-D window is a row window times a column window, so the CPU passes pool along each input
// row first (into `partial`: input rows x output columns) and then down the rows. The loops run
// tap by tap over all outputs, whose iterations are independent: the compiler vectorises them.
// Sizes and bounds are copied into locals first: read through a reference, they might alias the
// int outputs, and GCC would then not vectorise.

// a where pick, else b. Written as integer arithmetic because GCC keeps a `?:` steered by a float
// comparison as a branch (for -ftrapping-math), which stops it vectorising the loops below.
int select(bool pick, int a, int b) {
  const int mask = -static_cast<int>(pick);
  return (a & mask) | (b & ~mask);
}

// MAX along one input row: part[px] is the row's maximum over column window px and part_x[px] its
// column, the first one on ties (-1 when nothing exceeds -FLT_MAX: only NaN or -inf inputs).
void max_along_row(const float* row, const AxisWindows& cols, float* part, int* part_x) {
  const int pooled = static_cast<int>(cols.first.size());
  const int stride = cols.stride;
  std::fill_n(part, pooled, -FLT_MAX);
  std::fill_n(part_x, pooled, -1);
  for (const auto [lo, hi, shift] : cols.taps) {
    for (int px = lo; px < hi; ++px) {
      const int x = px * stride + shift;
      part_x[px] = select(part[px] < row[x], x, part_x[px]);
      part[px] = std::max(part[px], row[x]);
    }
  }
}

// The sum (squares: of squares) along one input row over each column window, in column order.
void sum_along_row(const float* row, const AxisWindows& cols, bool squares, float* part) {
  const int pooled = static_cast<int>(cols.first.size());
  const int stride = cols.stride;
  std::fill_n(part, pooled, 0.0f);
  for (const auto [lo, hi, shift] : cols.taps) {
    if (squares) {
      for (int px = lo; px < hi; ++px) {
        const float v = row[px * stride + shift];
        part[px] += v * v;
      }
    } else {
      for (int px = lo; px < hi; ++px) part[px] += row[px * stride + shift];
    }
  }
}

// The adjoint of sum_along_row (without the squares): dx_row[x] = the sum of part over the column
// windows holding x.
void spread_along_row(const float* part, const AxisWindows& cols, int width, float* dx_row) {
  const int stride = cols.stride;
  std::fill_n(dx_row, width, 0.0f);
  for (const auto [lo, hi, shift] : cols.taps) {
    for (int px = lo; px < hi; ++px) dx_row[px * stride + shift] += part[px];
  }
}

// The windows of one plane and the per-worker scratch of the passes over it.
struct PlanePooling {
  int height, width, pooled_h, pooled_w;
  AxisWindows rows, cols;
  std::vector<float> partial;  // input rows x output columns
  std::vector<int> partial_x;  // MAX: the column of each partial maximum
  std::vector<int> best_at;    // MAX: one output row's argmax
  std::vector<float> share;    // AVE, L2 backward: one output row's shares

  // The geometry's sizes fit int (PoolingLayer::reshape checks): int loops vectorise.
  explicit PlanePooling(const WindowGeometry& w)
      : height(static_cast<int>(w.height)),
        width(static_cast<int>(w.width)),
        pooled_h(static_cast<int>(w.out_h())),
        pooled_w(static_cast<int>(w.out_w())),
        rows(axis_windows(height, pooled_h, static_cast<int>(w.kernel_h),
                          static_cast<int>(w.stride_h), static_cast<int>(w.pad_h))),
        cols(axis_windows(width, pooled_w, static_cast<int>(w.kernel_w),
                          static_cast<int>(w.stride_w), static_cast<int>(w.pad_w))),
        partial(int64_t{height} * pooled_w),
        partial_x(partial.size()),
        best_at(pooled_w),
        share(pooled_w) {}

  // y = the window maxima of plane x; argmax = their in-plane indices (y * W + x) as floats. Ties
  // go to the first maximum in row-major order, as Caffe's: the row pass keeps each row's first
  // maximum, and the pass down the rows the first row that holds the maximum.
  void max(const float* x, float* y, float* argmax) {
    const int h = height, w = width, ph = pooled_h, pw = pooled_w;
    for (int yy = 0; yy < h; ++yy) {
      max_along_row(x + int64_t{yy} * w, cols, &partial[int64_t{yy} * pw],
                    &partial_x[int64_t{yy} * pw]);
    }
    for (int py = 0; py < ph; ++py) {
      float* y_row = y + int64_t{py} * pw;
      std::fill_n(y_row, pw, -FLT_MAX);
      std::ranges::fill(best_at, -1);
      for (int yy = rows.first[py]; yy < rows.last[py]; ++yy) {
        const float* part = &partial[int64_t{yy} * pw];
        const int* part_x = &partial_x[int64_t{yy} * pw];
        const int row_start = yy * w;
        for (int px = 0; px < pw; ++px) {
          best_at[px] = select(y_row[px] < part[px], row_start + part_x[px], best_at[px]);
          y_row[px] = std::max(y_row[px], part[px]);
        }
      }
      float* arg_row = argmax + int64_t{py} * pw;
      for (int px = 0; px < pw; ++px) arg_row[px] = static_cast<float>(best_at[px]);
    }
  }

  // AVE (Caffe's divisor: the window clipped to the padded image) or L2 (squares: sqrt of the sum
  // of squares over the window clipped to the image) of plane x.
  void sum(const float* x, bool squares, float* y) {
    const int h = height, w = width, ph = pooled_h, pw = pooled_w;
    for (int yy = 0; yy < h; ++yy) {
      sum_along_row(x + int64_t{yy} * w, cols, squares, &partial[int64_t{yy} * pw]);
    }
    for (int py = 0; py < ph; ++py) {
      float* y_row = y + int64_t{py} * pw;
      std::fill_n(y_row, pw, 0.0f);
      for (int yy = rows.first[py]; yy < rows.last[py]; ++yy) {
        const float* part = &partial[int64_t{yy} * pw];
        for (int px = 0; px < pw; ++px) y_row[px] += part[px];
      }
      for (int px = 0; px < pw; ++px) {
        y_row[px] = squares ? std::sqrt(y_row[px])
                            : y_row[px] / static_cast<float>(rows.padded[py] * cols.padded[px]);
      }
    }
  }

  // MAX's gradient: each output's goes to its argmax (none where the window had no maximum).
  void max_backward(const float* argmax, const float* dy, float* dx) const {
    const int64_t outputs = int64_t{pooled_h} * pooled_w;
    std::fill_n(dx, int64_t{height} * width, 0.0f);
    for (int64_t o = 0; o < outputs; ++o) {
      if (argmax[o] >= 0) dx[static_cast<int64_t>(argmax[o])] += dy[o];
    }
  }

  // The adjoint of sum: each output's share (AVE: dy / area; L2: dy / y, 0 where y = 0) is spread
  // down its row window into `partial`, then along each row's column windows; L2 multiplies by x
  // at the end (d sqrt(sum x^2) / dx = x / y).
  void sum_backward(const float* x, const float* y, const float* dy, bool squares, float* dx) {
    const int h = height, w = width, ph = pooled_h, pw = pooled_w;
    std::ranges::fill(partial, 0.0f);
    for (int py = 0; py < ph; ++py) {
      const float* y_row = y + int64_t{py} * pw;
      const float* dy_row = dy + int64_t{py} * pw;
      for (int px = 0; px < pw; ++px) {
        share[px] = squares ? (y_row[px] > 0 ? dy_row[px] / y_row[px] : 0.0f)
                            : dy_row[px] / static_cast<float>(rows.padded[py] * cols.padded[px]);
      }
      for (int yy = rows.first[py]; yy < rows.last[py]; ++yy) {
        float* part = &partial[int64_t{yy} * pw];
        for (int px = 0; px < pw; ++px) part[px] += share[px];
      }
    }
    for (int yy = 0; yy < h; ++yy) {
      float* dx_row = dx + int64_t{yy} * w;
      spread_along_row(&partial[int64_t{yy} * pw], cols, w, dx_row);
      if (squares) {
        const float* x_row = x + int64_t{yy} * w;
        for (int xx = 0; xx < w; ++xx) dx_row[xx] *= x_row[xx];
      }
    }
  }
};

}  // namespace

void PoolingLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.pooling_param();
  method_ = p.pool();
  VISAGE_LAYER_CHECK(method_ != PoolingParameter::STOCHASTIC,
                     "pool: STOCHASTIC is not implemented (use MAX, AVE or L2)");
  global_ = p.global_pooling();
  const WindowFields fields = window_fields(p);
  if (global_) {
    VISAGE_LAYER_CHECK(fields.kernel.empty() && !fields.kernel_h && !fields.kernel_w,
                       "global_pooling takes the whole image; do not give a kernel");
  }
  with_context(describe() + ": pooling_param", [&] { read_window(fields, window_, global_); });
  VISAGE_LAYER_CHECK(!global_ || (window_.pad_h == 0 && window_.pad_w == 0 &&
                                  window_.stride_h == 1 && window_.stride_w == 1),
                     "global_pooling takes no pad or stride");
  window_.rounding = p.round_mode() == PoolingParameter::CEIL
                         ? WindowGeometry::Rounding::pooling_ceil
                         : WindowGeometry::Rounding::pooling_floor;
  if (!global_) {
    VISAGE_LAYER_CHECK(window_.pad_h < window_.kernel_h && window_.pad_w < window_.kernel_w, "pad ",
                       window_.pad_h, "x", window_.pad_w, " must be smaller than the kernel ",
                       window_.kernel_h, "x", window_.kernel_w);
  }
}

void PoolingLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     in.shape_string());
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  VISAGE_LAYER_CHECK(in.dim(2) <= kIntMax && in.dim(3) <= kIntMax && window_.kernel_h <= kIntMax &&
                         window_.kernel_w <= kIntMax && window_.stride_h <= kIntMax &&
                         window_.stride_w <= kIntMax,
                     "input ", in.shape_string(), " or window (", window_.describe(),
                     ") too large: sizes must stay below 2^31");
  window_.channels = in.dim(1);
  window_.height = in.dim(2);
  window_.width = in.dim(3);
  if (global_) {
    window_.kernel_h = window_.height;
    window_.kernel_w = window_.width;
  }
  with_context(describe(), [&] { check_kernel_fits(window_, in.shape_string()); });
  VISAGE_LAYER_CHECK(method_ != PoolingParameter::MAX || in.count(2) < (int64_t{1} << 24),
                     "MAX pooling keeps argmax indices as floats, exact only below 2^24 pixels "
                     "per channel; input ",
                     in.shape_string(), " is larger");
  planes_ = in.dim(0) * in.dim(1);
  top[0]->reshape({in.dim(0), in.dim(1), window_.out_h(), window_.out_w()});
  if (method_ == PoolingParameter::MAX) argmax_.reshape(top[0]->shape());
}

int64_t PoolingLayer::forward_macs(Tensors bottom, Tensors top) const {
  return top[0]->count() * window_.kernel_h * window_.kernel_w;
}

// Blocks of planes are handed to the BLAS threads as they come free (cpu::run_blocks).
void PoolingLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t in_plane = window_.height * window_.width;
  const int64_t out_plane = window_.out_h() * window_.out_w();
  const bool is_max = method_ == PoolingParameter::MAX;
  const bool squares = method_ == PoolingParameter::L2;
  const float* in = bottom[0]->data().data();
  float* out = top[0]->mutable_data().data();
  float* argmax = is_max ? argmax_.mutable_data().data() : nullptr;
  const int workers = cpu::slice_workers(planes_);
  cpu::run_blocks(planes_, block_planes(planes_, workers), workers,
                  [&](int64_t begin, int64_t end, int) {
                    PlanePooling pooling(window_);
                    for (int64_t p = begin; p < end; ++p) {
                      if (is_max) {
                        pooling.max(in + p * in_plane, out + p * out_plane, argmax + p * out_plane);
                      } else {
                        pooling.sum(in + p * in_plane, squares, out + p * out_plane);
                      }
                    }
                  });
}

void PoolingLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t in_plane = window_.height * window_.width;
  const int64_t out_plane = window_.out_h() * window_.out_w();
  const bool is_max = method_ == PoolingParameter::MAX;
  const bool squares = method_ == PoolingParameter::L2;
  const float* top_diff = top[0]->diff().data();
  const float* top_data = top[0]->data().data();
  const float* in = bottom[0]->data().data();
  float* in_diff = bottom[0]->mutable_diff().data();
  const float* argmax = is_max ? argmax_.data().data() : nullptr;
  const int workers = cpu::slice_workers(planes_);
  cpu::run_blocks(
      planes_, block_planes(planes_, workers), workers, [&](int64_t begin, int64_t end, int) {
        PlanePooling pooling(window_);
        for (int64_t p = begin; p < end; ++p) {
          if (is_max) {
            pooling.max_backward(argmax + p * out_plane, top_diff + p * out_plane,
                                 in_diff + p * in_plane);
          } else {
            pooling.sum_backward(in + p * in_plane, top_data + p * out_plane,
                                 top_diff + p * out_plane, squares, in_diff + p * in_plane);
          }
        }
      });
}

}  // namespace visage
