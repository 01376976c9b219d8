#include "layers/im2col.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace visage {

namespace cpu {
namespace {

// For one kernel column: the output columns [first, last) whose input column x0 + ox * stride_w
// lies inside the image, so that the inner loops below need no bounds test.
struct ColumnRange {
  int64_t x0, first, last;
};

ColumnRange columns_inside(const WindowGeometry& g, int64_t kj) {
  const int64_t x0 = kj * g.dilation_w - g.pad_w;
  const int64_t out_w = g.out_w();
  const int64_t first = x0 >= 0 ? 0 : (-x0 + g.stride_w - 1) / g.stride_w;
  const int64_t last = x0 >= g.width ? 0 : (g.width - 1 - x0) / g.stride_w + 1;
  return {x0, std::min(first, out_w), std::clamp(last, std::min(first, out_w), out_w)};
}

}  // namespace

// Both transforms walk the column matrix row by row (one kernel tap of one channel), so that the
// inner loop runs along an output row and, for stride 1, along contiguous input pixels.
void im2col_rows(const WindowGeometry& g, const float* image, int64_t first_row, int64_t last_row,
                 float* col, int64_t ld) {
  const int64_t out_w = g.out_w();
  const int64_t plane_size = g.height * g.width;
  if (ld == 0) ld = (last_row - first_row) * out_w;
  for (int64_t c = 0; c < g.channels; ++c) {
    const float* plane = image + c * plane_size;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj, col += ld) {
        const auto [x0, first, last] = columns_inside(g, kj);
        float* dst = col;
        for (int64_t oy = first_row; oy < last_row; ++oy, dst += out_w) {
          const int64_t y = oy * g.stride_h - g.pad_h + ki * g.dilation_h;
          if (y < 0 || y >= g.height) {
            std::fill_n(dst, out_w, 0.0f);
            continue;
          }
          const float* row = plane + y * g.width;
          std::fill_n(dst, first, 0.0f);
          if (g.stride_w == 1) {
            std::copy(row + (x0 + first), row + (x0 + last), dst + first);
          } else {
            for (int64_t ox = first; ox < last; ++ox) dst[ox] = row[x0 + ox * g.stride_w];
          }
          std::fill(dst + last, dst + out_w, 0.0f);
        }
      }
    }
  }
}

void col2im_add_rows(const WindowGeometry& g, const float* col, int64_t first_row, int64_t last_row,
                     float* image, int64_t ld) {
  const int64_t out_w = g.out_w();
  const int64_t plane_size = g.height * g.width;
  if (ld == 0) ld = (last_row - first_row) * out_w;
  for (int64_t c = 0; c < g.channels; ++c) {
    float* plane = image + c * plane_size;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj, col += ld) {
        const auto [x0, first, last] = columns_inside(g, kj);
        const float* src = col;
        for (int64_t oy = first_row; oy < last_row; ++oy, src += out_w) {
          const int64_t y = oy * g.stride_h - g.pad_h + ki * g.dilation_h;
          if (y < 0 || y >= g.height) continue;
          float* row = plane + y * g.width;
          for (int64_t ox = first; ox < last; ++ox) row[x0 + ox * g.stride_w] += src[ox];
        }
      }
    }
  }
}

void im2col(const WindowGeometry& g, const float* image, float* col, int64_t ld) {
  const int64_t plane_size = g.height * g.width;
  if (ld == 0) ld = g.out_h() * g.out_w();
  if (g.is_identity()) {
    for (int64_t c = 0; c < g.channels; ++c)
      std::copy_n(image + c * plane_size, plane_size, col + c * ld);
    return;
  }
  im2col_rows(g, image, 0, g.out_h(), col, ld);
}

void col2im(const WindowGeometry& g, const float* col, float* image, int64_t ld) {
  const int64_t plane_size = g.height * g.width;
  if (ld == 0) ld = g.out_h() * g.out_w();
  if (g.is_identity()) {
    for (int64_t c = 0; c < g.channels; ++c)
      std::copy_n(col + c * ld, plane_size, image + c * plane_size);
    return;
  }
  std::fill_n(image, g.channels * plane_size, 0.0f);
  col2im_add_rows(g, col, 0, g.out_h(), image, ld);
}

}  // namespace cpu
}  // namespace visage
