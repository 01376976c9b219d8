#include "layers/im2col.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace visage {

std::string WindowGeometry::describe() const {
  return concat("kernel ", kernel_h, "x", kernel_w, ", stride ", stride_h, "x", stride_w, ", pad ",
                pad_h, "x", pad_w, ", dilation ", dilation_h, "x", dilation_w);
}

namespace cpu {

// Both transforms walk the column matrix row by row (one kernel tap of one channel), so that the
// inner loop runs along an output row and, for stride 1, along contiguous input pixels.
void im2col(const WindowGeometry& g, const float* image, float* col) {
  const int64_t out_h = g.out_h();
  const int64_t out_w = g.out_w();
  for (int64_t c = 0; c < g.channels; ++c) {
    const float* plane = image + c * g.height * g.width;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        for (int64_t oy = 0; oy < out_h; ++oy) {
          const int64_t y = oy * g.stride_h - g.pad_h + ki * g.dilation_h;
          if (y < 0 || y >= g.height) {
            std::fill_n(col, out_w, 0.0f);
            col += out_w;
            continue;
          }
          const float* row = plane + y * g.width;
          const int64_t x0 = kj * g.dilation_w - g.pad_w;
          for (int64_t ox = 0; ox < out_w; ++ox) {
            const int64_t x = x0 + ox * g.stride_w;
            *col++ = (x >= 0 && x < g.width) ? row[x] : 0.0f;
          }
        }
      }
    }
  }
}

void col2im(const WindowGeometry& g, const float* col, float* image) {
  const int64_t out_h = g.out_h();
  const int64_t out_w = g.out_w();
  std::fill_n(image, g.channels * g.height * g.width, 0.0f);
  for (int64_t c = 0; c < g.channels; ++c) {
    float* plane = image + c * g.height * g.width;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        for (int64_t oy = 0; oy < out_h; ++oy) {
          const int64_t y = oy * g.stride_h - g.pad_h + ki * g.dilation_h;
          if (y < 0 || y >= g.height) {
            col += out_w;
            continue;
          }
          float* row = plane + y * g.width;
          const int64_t x0 = kj * g.dilation_w - g.pad_w;
          for (int64_t ox = 0; ox < out_w; ++ox) {
            const int64_t x = x0 + ox * g.stride_w;
            if (x >= 0 && x < g.width) row[x] += *col;
            ++col;
          }
        }
      }
    }
  }
}

}  // namespace cpu
}  // namespace visage
