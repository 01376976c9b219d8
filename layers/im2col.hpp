// The geometry of a 2-D sliding window (kernel, stride, padding, dilation over one image) and the
// im2col / col2im transforms that turn a convolution into a GEMM. Shared by Convolution (which
// lays several images side by side in one column matrix) and by LocallyConnected (which reads the
// same geometry).
#pragma once

#include <cstdint>
#include <string>

namespace visage {

struct WindowGeometry {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t kernel_h = 1;
  int64_t kernel_w = 1;
  int64_t pad_h = 0;
  int64_t pad_w = 0;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t dilation_h = 1;
  int64_t dilation_w = 1;

  int64_t extent_h() const { return dilation_h * (kernel_h - 1) + 1; }
  int64_t extent_w() const { return dilation_w * (kernel_w - 1) + 1; }
  // Output size with floor rounding (convolution); <= 0 when the kernel does not fit.
  int64_t out_h() const { return (height + 2 * pad_h - extent_h()) / stride_h + 1; }
  int64_t out_w() const { return (width + 2 * pad_w - extent_w()) / stride_w + 1; }
  bool kernel_fits() const {
    return height + 2 * pad_h >= extent_h() && width + 2 * pad_w >= extent_w();
  }
  // Rows of the column matrix: one per (channel, kernel row, kernel column).
  int64_t patch_size() const { return channels * kernel_h * kernel_w; }
  // Whether im2col would copy the image unchanged (1x1 kernel, stride 1, no padding).
  bool is_identity() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 &&
           pad_w == 0;
  }
  // "kernel 3x3, stride 1x1, pad 0x0, dilation 1x1", for error messages.
  std::string describe() const;
};

namespace cpu {

// col (patch_size x out_h*out_w, row-major) from one image (channels x height x width). Rows
// start ld floats apart (0: out_h*out_w, a matrix of its own), so that the columns of several
// images can sit side by side in one wider matrix.
void im2col(const WindowGeometry& g, const float* image, float* col, int64_t ld = 0);
// The adjoint: image = sum of the columns' entries over the pixels they were read from
// (the image is overwritten, padding entries are dropped). ld as for im2col.
void col2im(const WindowGeometry& g, const float* col, float* image, int64_t ld = 0);

}  // namespace cpu
}  // namespace visage
