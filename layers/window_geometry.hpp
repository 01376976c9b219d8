// The geometry of a 2-D sliding window over one image (kernel, stride, padding, dilation, and how
// the output size rounds), read and validated once for the three layers that slide windows:
// Convolution, Pooling and LocallyConnected, on the CPU and in their CUDA kernels alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/host_device.hpp"
#include "proto/visage.pb.h"

namespace visage {

struct WindowGeometry {
  // How the output size rounds: convolution floors; Caffe's pooling ceils by default (or floors
  // on request) and then drops a last window that would start in the padding.
  enum class Rounding : uint8_t { floor, pooling_floor, pooling_ceil };

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
  Rounding rounding = Rounding::floor;

  VISAGE_HOST_DEVICE int64_t extent_h() const { return dilation_h * (kernel_h - 1) + 1; }
  VISAGE_HOST_DEVICE int64_t extent_w() const { return dilation_w * (kernel_w - 1) + 1; }
  // Output size; meaningful only when kernel_fits().
  VISAGE_HOST_DEVICE int64_t out_h() const {
    return output_size(height, extent_h(), stride_h, pad_h);
  }
  VISAGE_HOST_DEVICE int64_t out_w() const {
    return output_size(width, extent_w(), stride_w, pad_w);
  }
  VISAGE_HOST_DEVICE bool kernel_fits() const {
    return height + 2 * pad_h >= extent_h() && width + 2 * pad_w >= extent_w();
  }
  // Rows of the column matrix: one per (channel, kernel row, kernel column).
  VISAGE_HOST_DEVICE int64_t patch_size() const { return channels * kernel_h * kernel_w; }
  // Whether im2col would copy the image unchanged (1x1 kernel, stride 1, no padding).
  VISAGE_HOST_DEVICE bool is_identity() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 &&
           pad_w == 0;
  }
  // "kernel 3x3, stride 1x1, pad 0x0, dilation 1x1", for error messages.
  std::string describe() const;

 private:
  VISAGE_HOST_DEVICE int64_t output_size(int64_t size, int64_t extent, int64_t stride,
                                         int64_t pad) const {
    const int64_t span = size + 2 * pad - extent;
    if (rounding == Rounding::floor) return span / stride + 1;
    int64_t pooled =
        (rounding == Rounding::pooling_ceil ? (span + stride - 1) / stride : span / stride) + 1;
    if ((pooled - 1) * stride >= size + pad) --pooled;
    return pooled;
  }
};

// A pooling window clipped to the image: rows [y0, y1), columns [x0, x1), and the area of the
// window clipped to the padded image instead (the divisor of Caffe's AVE pooling).
struct ClippedWindow {
  int64_t y0, y1, x0, x1;
  int64_t padded_area;
};

VISAGE_HOST_DEVICE inline ClippedWindow clipped_window(const WindowGeometry& g, int64_t oy,
                                                       int64_t ox) {
  const int64_t y0 = oy * g.stride_h - g.pad_h;
  const int64_t x0 = ox * g.stride_w - g.pad_w;
  const int64_t y1 = y0 + g.kernel_h < g.height + g.pad_h ? y0 + g.kernel_h : g.height + g.pad_h;
  const int64_t x1 = x0 + g.kernel_w < g.width + g.pad_w ? x0 + g.kernel_w : g.width + g.pad_w;
  return {y0 > 0 ? y0 : 0, y1 < g.height ? y1 : g.height, x0 > 0 ? x0 : 0,
          x1 < g.width ? x1 : g.width, (y1 - y0) * (x1 - x0)};
}

// The largest kernel, stride, pad or dilation read from a config (2^20).
inline constexpr int64_t kMaxWindowValue = int64_t{1} << 20;

// A layer's window fields as its prototxt gives them: Caffe's one value for both axes or (h, w)
// in `kernel`, `stride`, `pad`, `dilation`, or the explicit _h/_w fields.
struct WindowFields {
  std::vector<int64_t> kernel, stride, pad, dilation;
  std::optional<int64_t> kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
};

// The window fields of each layer's parameters.
WindowFields window_fields(const proto::ConvolutionParameter& p);
WindowFields window_fields(const proto::PoolingParameter& p);
WindowFields window_fields(const proto::LocallyConnectedParameter& p);

// The one reading of window fields: kernel (required unless `kernel_optional`), stride (default
// 1), pad (default 0) and dilation (default 1) into `g`, each either as one or two values or as
// its _h/_w pair, positive where it must be. Throws naming the field; the caller adds the layer.
void read_window(const WindowFields& fields, WindowGeometry& g, bool kernel_optional = false);

// The check every layer makes once it knows its input: the (dilated) kernel fits the padded
// image. Throws with the geometry.
void check_kernel_fits(const WindowGeometry& g, const std::string& input_shape);

}  // namespace visage
