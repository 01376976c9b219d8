#include "layers/pooling_passes.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>

namespace visage {

namespace {

using AxisWindows = PlanePooling::AxisWindows;

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

// The loops below run tap by tap over all outputs, whose iterations are independent: the
// compiler vectorises them. Sizes and bounds are copied into locals first: read through a
// reference, they might alias the int outputs, and GCC would then not vectorise.

// a where pick, else b. Written as integer arithmetic because GCC keeps a `?:` steered by a float
// comparison as a branch (for -ftrapping-math), which stops it vectorising the loops below.
int select(bool pick, int a, int b) {
  const int mask = -static_cast<int>(pick);
  return (a & mask) | (b & ~mask);
}

// v where mask has all bits set, else `otherwise`: select by an integer mask, bitwise, for the
// same reason.
float masked(float v, int32_t mask, float otherwise) {
  return std::bit_cast<float>((std::bit_cast<int32_t>(v) & mask) |
                              (std::bit_cast<int32_t>(otherwise) & ~mask));
}

// [lo, hi): the j in [0, count) whose read j + offset stays in [0, size).
std::pair<int, int> reads_inside(int offset, int count, int size) {
  return {std::max(0, -offset), std::min(count, size - offset)};
}

// MAX along one input row: part[px] is the row's maximum over column window px and part_x[px] its
// column, the first one on ties (-1 when nothing exceeds -FLT_MAX).
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

}  // namespace

PlanePooling::PlanePooling(const WindowGeometry& w)
    : height_(static_cast<int>(w.height)),
      width_(static_cast<int>(w.width)),
      pooled_h_(static_cast<int>(w.out_h())),
      pooled_w_(static_cast<int>(w.out_w())),
      rows_(axis_windows(height_, pooled_h_, static_cast<int>(w.kernel_h),
                         static_cast<int>(w.stride_h), static_cast<int>(w.pad_h))),
      cols_(axis_windows(width_, pooled_w_, static_cast<int>(w.kernel_w),
                         static_cast<int>(w.stride_w), static_cast<int>(w.pad_w))),
      partial_(int64_t{height_} * pooled_w_),
      partial_x_(partial_.size()),
      best_at_(pooled_w_),
      share_(pooled_w_) {}

void PlanePooling::max(const float* x, float* y, float* argmax) {
  const int h = height_, w = width_, ph = pooled_h_, pw = pooled_w_;
  for (int yy = 0; yy < h; ++yy) {
    max_along_row(x + int64_t{yy} * w, cols_, &partial_[int64_t{yy} * pw],
                  &partial_x_[int64_t{yy} * pw]);
  }
  for (int py = 0; py < ph; ++py) {
    float* y_row = y + int64_t{py} * pw;
    std::fill_n(y_row, pw, -FLT_MAX);
    std::ranges::fill(best_at_, -1);
    for (int yy = rows_.first[py]; yy < rows_.last[py]; ++yy) {
      const float* part = &partial_[int64_t{yy} * pw];
      const int* part_x = &partial_x_[int64_t{yy} * pw];
      const int row_start = yy * w;
      for (int px = 0; px < pw; ++px) {
        best_at_[px] = select(y_row[px] < part[px], row_start + part_x[px], best_at_[px]);
        y_row[px] = std::max(y_row[px], part[px]);
      }
    }
    float* arg_row = argmax + int64_t{py} * pw;
    for (int px = 0; px < pw; ++px) arg_row[px] = static_cast<float>(best_at_[px]);
  }
}

void PlanePooling::sum(const float* x, bool squares, float* y) {
  const int h = height_, w = width_, ph = pooled_h_, pw = pooled_w_;
  for (int yy = 0; yy < h; ++yy) {
    sum_along_row(x + int64_t{yy} * w, cols_, squares, &partial_[int64_t{yy} * pw]);
  }
  for (int py = 0; py < ph; ++py) {
    float* y_row = y + int64_t{py} * pw;
    std::fill_n(y_row, pw, 0.0f);
    for (int yy = rows_.first[py]; yy < rows_.last[py]; ++yy) {
      const float* part = &partial_[int64_t{yy} * pw];
      for (int px = 0; px < pw; ++px) y_row[px] += part[px];
    }
    for (int px = 0; px < pw; ++px) {
      y_row[px] = squares ? std::sqrt(y_row[px])
                          : y_row[px] / static_cast<float>(rows_.padded[py] * cols_.padded[px]);
    }
  }
}

void PlanePooling::sum_backward(const float* x, const float* y, const float* dy, bool squares,
                                float* dx) {
  const int h = height_, w = width_, ph = pooled_h_, pw = pooled_w_;
  std::ranges::fill(partial_, 0.0f);
  for (int py = 0; py < ph; ++py) {
    const float* y_row = y + int64_t{py} * pw;
    const float* dy_row = dy + int64_t{py} * pw;
    for (int px = 0; px < pw; ++px) {
      share_[px] = squares ? (y_row[px] > 0 ? dy_row[px] / y_row[px] : 0.0f)
                           : dy_row[px] / static_cast<float>(rows_.padded[py] * cols_.padded[px]);
    }
    for (int yy = rows_.first[py]; yy < rows_.last[py]; ++yy) {
      float* part = &partial_[int64_t{yy} * pw];
      for (int px = 0; px < pw; ++px) part[px] += share_[px];
    }
  }
  for (int yy = 0; yy < h; ++yy) {
    float* dx_row = dx + int64_t{yy} * w;
    spread_along_row(&partial_[int64_t{yy} * pw], cols_, w, dx_row);
    if (squares) {
      const float* x_row = x + int64_t{yy} * w;
      for (int xx = 0; xx < w; ++xx) dx_row[xx] *= x_row[xx];
    }
  }
}

bool CentredPooling::centred(const WindowGeometry& w) {
  return w.kernel_h == 2 * w.pad_h + 1 && w.kernel_w == 2 * w.pad_w + 1 &&
         (w.out_h() - 1) * w.stride_h < w.height && (w.out_w() - 1) * w.stride_w < w.width;
}

bool CentredPooling::same(const WindowGeometry& w) {
  return centred(w) && w.stride_h == 1 && w.stride_w == 1;
}

// Measured on NN2 (batch 16): 14x14 at stride 2, 4.0 -> 2.7 ms; 112x112 at stride 2 (pool1),
// 8.9 ms row by row against 18.8 here.
bool CentredPooling::faster(const WindowGeometry& w, bool is_max) {
  return same(w) || (is_max && centred(w) && w.width < 16);
}

CentredPooling::CentredPooling(const WindowGeometry& w)
    : height_(static_cast<int>(w.height)),
      width_(static_cast<int>(w.width)),
      plane_(height_ * width_),
      stride_h_(static_cast<int>(w.stride_h)),
      stride_w_(static_cast<int>(w.stride_w)),
      pooled_h_(static_cast<int>(w.out_h())),
      pooled_w_(static_cast<int>(w.out_w())),
      area_(static_cast<float>(w.kernel_h * w.kernel_w)),
      partial_(plane_),
      share_(plane_),
      pooled_plane_(stride_h_ * stride_w_ > 1 ? plane_ : 0),
      partial_at_(plane_),
      best_at_(plane_) {
  for (int k = 0; k < static_cast<int>(w.kernel_h); ++k) {
    row_shifts_.push_back(k - static_cast<int>(w.pad_h));
  }
  for (int k = 0; k < static_cast<int>(w.kernel_w); ++k) {
    const int shift = k - static_cast<int>(w.pad_w);
    col_shifts_.push_back(shift);
    std::vector<int32_t>& inside = col_inside_.emplace_back(plane_);
    for (int i = 0; i < plane_; ++i) {
      const int column = i % width_ + shift;
      inside[i] = -static_cast<int32_t>(column >= 0 && column < width_);
    }
  }
}

void CentredPooling::max(const float* x, float* y, float* argmax) {
  const int plane = plane_;
  std::ranges::fill(partial_, -FLT_MAX);
  std::ranges::fill(partial_at_, -1);
  float* part = partial_.data();
  int* part_at = partial_at_.data();
  for (size_t k = 0; k < col_shifts_.size(); ++k) {
    const int shift = col_shifts_[k];
    const int32_t* inside = col_inside_[k].data();
    const auto [lo, hi] = reads_inside(shift, plane, plane);
    for (int i = lo; i < hi; ++i) {
      const float v = masked(x[i + shift], inside[i], -FLT_MAX);
      part_at[i] = select(part[i] < v, i + shift, part_at[i]);
      part[i] = std::max(part[i], v);
    }
  }
  if (stride_h_ == 1 && stride_w_ == 1) {
    max_down_columns(0, plane, y, best_at_.data());
    for (int i = 0; i < plane; ++i) argmax[i] = static_cast<float>(best_at_[i]);
    return;
  }
  // Strided: the whole plane's maxima as at stride 1 (one long loop per tap vectorises better
  // than a short one per centre row), then those at the centres.
  max_down_columns(0, plane, pooled_plane_.data(), best_at_.data());
  for (int py = 0; py < pooled_h_; ++py) {
    const int row = py * stride_h_ * width_;
    float* y_row = y + int64_t{py} * pooled_w_;
    float* arg_row = argmax + int64_t{py} * pooled_w_;
    for (int px = 0; px < pooled_w_; ++px) {
      y_row[px] = pooled_plane_[row + px * stride_w_];
      arg_row[px] = static_cast<float>(best_at_[row + px * stride_w_]);
    }
  }
}

// For the `count` flat positions from `first`: y[j] = the maximum of partial_ over the row taps
// at position first + j, best[j] its index, the first row's on ties.
void CentredPooling::max_down_columns(int first, int count, float* y, int* best) const {
  const float* part = partial_.data();
  const int* part_at = partial_at_.data();
  std::fill_n(y, count, -FLT_MAX);
  std::fill_n(best, count, -1);
  for (const int shift : row_shifts_) {
    const int offset = first + shift * width_;
    const auto [lo, hi] = reads_inside(offset, count, plane_);
    for (int j = lo; j < hi; ++j) {
      best[j] = select(y[j] < part[j + offset], part_at[j + offset], best[j]);
      y[j] = std::max(y[j], part[j + offset]);
    }
  }
}

// A masked tap adds +0, which leaves every partial sum as it is: they start at +0 and so are
// never -0.
void CentredPooling::sum(const float* x, bool squares, float* y) {
  const int plane = plane_, w = width_;
  std::ranges::fill(partial_, 0.0f);
  float* part = partial_.data();
  for (size_t k = 0; k < col_shifts_.size(); ++k) {
    const int shift = col_shifts_[k];
    const int32_t* inside = col_inside_[k].data();
    const auto [lo, hi] = reads_inside(shift, plane, plane);
    for (int i = lo; i < hi; ++i) {
      const float v = masked(x[i + shift], inside[i], 0.0f);
      part[i] += squares ? v * v : v;
    }
  }
  std::fill_n(y, plane, 0.0f);
  for (const int shift : row_shifts_) {
    const int offset = shift * w;
    const auto [lo, hi] = reads_inside(offset, plane, plane);
    for (int i = lo; i < hi; ++i) y[i] += part[i + offset];
  }
  const float area = area_;
  for (int i = 0; i < plane; ++i) y[i] = squares ? std::sqrt(y[i]) : y[i] / area;
}

// PlanePooling adds each input row's shares in the order of the outputs, so here the last row
// tap comes first.
void CentredPooling::sum_backward(const float* x, const float* y, const float* dy, bool squares,
                                  float* dx) {
  const int plane = plane_, w = width_;
  const float area = area_;
  float* share = share_.data();
  for (int i = 0; i < plane; ++i) {
    share[i] = squares ? (y[i] > 0 ? dy[i] / y[i] : 0.0f) : dy[i] / area;
  }
  std::ranges::fill(partial_, 0.0f);
  float* part = partial_.data();
  for (auto tap = row_shifts_.rbegin(); tap != row_shifts_.rend(); ++tap) {
    const int offset = -*tap * w;  // input row r takes output row r - shift
    const auto [lo, hi] = reads_inside(offset, plane, plane);
    for (int i = lo; i < hi; ++i) part[i] += share[i + offset];
  }
  std::fill_n(dx, plane, 0.0f);
  for (size_t k = 0; k < col_shifts_.size(); ++k) {
    // Input column c takes output column c - shift where that output's tap reads inside the
    // image: the output position's mask.
    const int offset = -col_shifts_[k];
    const int32_t* inside = col_inside_[k].data();
    const auto [lo, hi] = reads_inside(offset, plane, plane);
    for (int i = lo; i < hi; ++i) dx[i] += masked(part[i + offset], inside[i + offset], 0.0f);
  }
  if (squares) {
    for (int i = 0; i < plane; ++i) dx[i] *= x[i];
  }
}

void max_pooling_backward(const float* argmax, const float* dy, int64_t outputs, int64_t inputs,
                          float* dx) {
  std::fill_n(dx, inputs, 0.0f);
  for (int64_t o = 0; o < outputs; ++o) {
    if (argmax[o] >= 0) dx[static_cast<int64_t>(argmax[o])] += dy[o];
  }
}

}  // namespace visage
