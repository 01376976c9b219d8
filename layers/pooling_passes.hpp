// The CPU passes of PoolingLayer over one channel plane (NCHW: a plane is contiguous). Every 2-D
// window is a row window times a column window, so each pass pools along the rows first and then
// down the columns. Two ways to run them, which give the same bits:
// - PlanePooling, any geometry: row by row, the loops running tap by tap over a row's outputs;
// - CentredPooling, windows centred on a pixel: one loop over the whole plane per tap, which
//   vectorises on the small planes (14x14, 7x7) where a row's loop is too short to.
// Each object holds the scratch of its passes, allocated once and reused plane after plane by
// one worker. Sizes fit int (PoolingLayer::reshape checks), so that the int loops vectorise.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "layers/window_geometry.hpp"

namespace visage {

// The three passes, with the same signatures on both classes:
// - max(x, y, argmax): y = the window maxima of plane x; argmax = their in-plane indices
//   (y * W + x) as floats, -1 where nothing exceeds -FLT_MAX (only NaN or -inf inputs). Ties go
//   to the first maximum in row-major order, as Caffe's: the pass along the rows keeps each
//   row's first maximum, and the pass down the columns the first row that holds the maximum.
// - sum(x, squares, y): AVE (Caffe's divisor: the window clipped to the padded image) or L2
//   (squares: sqrt of the sum of squares over the window clipped to the image).
// - sum_backward(x, y, dy, squares, dx): the adjoint of sum. Each output's share (AVE: dy / area;
//   L2: dy / y, 0 where y = 0) is spread down its row window, then along each row's column
//   windows; L2 multiplies by x at the end (d sqrt(sum x^2) / dx = x / y).

class PlanePooling {
 public:
  explicit PlanePooling(const WindowGeometry& w);
  void max(const float* x, float* y, float* argmax);
  void sum(const float* x, bool squares, float* y);
  void sum_backward(const float* x, const float* y, const float* dy, bool squares, float* dx);

  // The windows along one axis. Output p reads inputs [first[p], last[p]) (its window clipped to
  // the image), and its extent clipped to the padded image is padded[p] (AVE's divisor is the
  // product of the two axes' extents). Tap k of output p reads input p * stride - pad + k, inside
  // the image for the outputs [taps[k].first, taps[k].last).
  struct Tap {
    int first, last, shift;  // shift = k - pad
  };
  struct AxisWindows {
    int stride;
    std::vector<int> first, last, padded;
    std::vector<Tap> taps;
  };

 private:
  int height_, width_, pooled_h_, pooled_w_;
  AxisWindows rows_, cols_;
  std::vector<float> partial_;  // input rows x output columns
  std::vector<int> partial_x_;  // MAX: the column of each partial maximum
  std::vector<int> best_at_;    // MAX: one output row's argmax
  std::vector<float> share_;    // AVE, L2 backward: one output row's shares
};

// Windows centred on an input pixel: kernel 2 pad + 1 on both axes and every window's centre
// inside the image, as the inception modules' 3x3 pools with pad 1 at stride 1 or 2. Output
// (py, px) is then the window around input pixel (py * stride, px * stride), clipped as that of
// a stride-1 window keeping the plane's size would be. So the pass along the rows is one loop
// over the whole plane per tap, shifted by the tap's column offset, with a column mask dropping
// the reads that would wrap into the next or previous row; the pass down the columns is one
// loop per tap shifted by whole rows, and there the reads outside the plane are exactly those
// outside the image, so the loop bounds drop them. The sums are PlanePooling's, in its order.
class CentredPooling {
 public:
  // Stride 1: the output has the input's size. sum and sum_backward need it.
  static bool same(const WindowGeometry& w);
  // Where these passes are the faster: at stride 1 always; strided MAX only on narrow planes
  // (NN2's 14x14 and 7x7), whose output rows are too short for PlanePooling's loops to
  // vectorise, while on wide ones pooling every pixel costs more than it saves.
  static bool faster(const WindowGeometry& w, bool is_max);

  explicit CentredPooling(const WindowGeometry& w);
  void max(const float* x, float* y, float* argmax);
  void sum(const float* x, bool squares, float* y);
  void sum_backward(const float* x, const float* y, const float* dy, bool squares, float* dx);

 private:
  static bool centred(const WindowGeometry& w);
  void max_down_columns(int first, int count, float* y, int* best) const;

  int height_, width_, plane_, stride_h_, stride_w_, pooled_h_, pooled_w_;
  float area_;                                    // AVE's divisor: every window is whole
  std::vector<int> row_shifts_, col_shifts_;      // k - pad, in tap order
  std::vector<std::vector<int32_t>> col_inside_;  // per column tap and pixel: all bits where the
                                                  // tap reads inside the image, else none
  std::vector<float> partial_, share_, pooled_plane_;  // pooled_plane_: MAX at stride > 1
  std::vector<int> partial_at_, best_at_;              // MAX: in-plane indices
};

// MAX's gradient for one plane: each output's goes to its argmax (none where it is -1).
void max_pooling_backward(const float* argmax, const float* dy, int64_t outputs, int64_t inputs,
                          float* dx);

}  // namespace visage
