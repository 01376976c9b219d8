#include "layers/pooling.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace visage {

using proto::PoolingParameter;

namespace {

// Caffe's output size, with its rule that the last window must start inside the image (applied
// also without padding, where Caffe would otherwise create an empty window for stride > kernel).
int pooled_size(int size, int kernel, int stride, int pad, bool ceil) {
  const int span = size + 2 * pad - kernel;
  int pooled = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
  if ((pooled - 1) * stride >= size + pad) --pooled;
  return pooled;
}

// The window of output (py, px): [y0, y1) x [x0, x1) clipped to the image, and AVE's divisor,
// the window clipped to the padded image instead.
struct Window {
  int y0, y1, x0, x1;
  int padded_area;
};

Window window_at(const PoolingWindows& w, int py, int px) {
  int y0 = py * w.stride_h - w.pad_h;
  int x0 = px * w.stride_w - w.pad_w;
  int y1 = std::min(y0 + w.kernel_h, w.height + w.pad_h);
  int x1 = std::min(x0 + w.kernel_w, w.width + w.pad_w);
  const int padded_area = (y1 - y0) * (x1 - x0);
  y0 = std::max(y0, 0);
  x0 = std::max(x0, 0);
  y1 = std::min(y1, w.height);
  x1 = std::min(x1, w.width);
  return {y0, y1, x0, x1, padded_area};
}

}  // namespace

void PoolingLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.pooling_param();
  method_ = p.pool();
  VISAGE_LAYER_CHECK(method_ != PoolingParameter::STOCHASTIC,
                     "pool: STOCHASTIC is not implemented (use MAX, AVE or L2)");
  global_ = p.global_pooling();
  ceil_ = p.round_mode() == PoolingParameter::CEIL;
  const bool has_kernel = p.has_kernel_size() || p.has_kernel_h() || p.has_kernel_w();
  if (global_) {
    VISAGE_LAYER_CHECK(!has_kernel, "global_pooling takes the whole image; do not give a kernel");
    VISAGE_LAYER_CHECK(p.pad() == 0 && p.pad_h() == 0 && p.pad_w() == 0 && p.stride() == 1 &&
                           !p.has_stride_h() && !p.has_stride_w(),
                       "global_pooling takes no pad or stride");
  } else if (p.has_kernel_h() || p.has_kernel_w()) {
    VISAGE_LAYER_CHECK(p.has_kernel_h() && p.has_kernel_w() && !p.has_kernel_size(),
                       "give either kernel_size or both kernel_h and kernel_w");
    windows_.kernel_h = static_cast<int>(p.kernel_h());
    windows_.kernel_w = static_cast<int>(p.kernel_w());
  } else {
    VISAGE_LAYER_CHECK(p.has_kernel_size(),
                       "pooling_param needs kernel_size (or kernel_h and kernel_w, or "
                       "global_pooling)");
    windows_.kernel_h = windows_.kernel_w = static_cast<int>(p.kernel_size());
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    windows_.pad_h = static_cast<int>(p.pad_h());
    windows_.pad_w = static_cast<int>(p.pad_w());
  } else {
    windows_.pad_h = windows_.pad_w = static_cast<int>(p.pad());
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    VISAGE_LAYER_CHECK(p.has_stride_h() && p.has_stride_w(), "give both stride_h and stride_w");
    windows_.stride_h = static_cast<int>(p.stride_h());
    windows_.stride_w = static_cast<int>(p.stride_w());
  } else {
    windows_.stride_h = windows_.stride_w = static_cast<int>(p.stride());
  }
  VISAGE_LAYER_CHECK(windows_.stride_h > 0 && windows_.stride_w > 0,
                     "stride must be positive, got ", windows_.stride_h, "x", windows_.stride_w);
  if (!global_) {
    VISAGE_LAYER_CHECK(windows_.kernel_h > 0 && windows_.kernel_w > 0,
                       "kernel must be positive, got ", windows_.kernel_h, "x", windows_.kernel_w);
    VISAGE_LAYER_CHECK(windows_.pad_h < windows_.kernel_h && windows_.pad_w < windows_.kernel_w,
                       "pad ", windows_.pad_h, "x", windows_.pad_w,
                       " must be smaller than the kernel ", windows_.kernel_h, "x",
                       windows_.kernel_w);
  }
}

void PoolingLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     in.shape_string());
  windows_.height = static_cast<int>(in.dim(2));
  windows_.width = static_cast<int>(in.dim(3));
  if (global_) {
    windows_.kernel_h = windows_.height;
    windows_.kernel_w = windows_.width;
  }
  VISAGE_LAYER_CHECK(windows_.height + 2 * windows_.pad_h >= windows_.kernel_h &&
                         windows_.width + 2 * windows_.pad_w >= windows_.kernel_w,
                     "kernel ", windows_.kernel_h, "x", windows_.kernel_w,
                     " is larger than the padded input ", windows_.height + 2 * windows_.pad_h, "x",
                     windows_.width + 2 * windows_.pad_w, " (input ", in.shape_string(), ", pad ",
                     windows_.pad_h, "x", windows_.pad_w, ")");
  VISAGE_LAYER_CHECK(method_ != PoolingParameter::MAX || in.count(2) < (int64_t{1} << 24),
                     "MAX pooling keeps argmax indices as floats, exact only below 2^24 pixels "
                     "per channel; input ",
                     in.shape_string(), " is larger");
  windows_.pooled_h =
      pooled_size(windows_.height, windows_.kernel_h, windows_.stride_h, windows_.pad_h, ceil_);
  windows_.pooled_w =
      pooled_size(windows_.width, windows_.kernel_w, windows_.stride_w, windows_.pad_w, ceil_);
  planes_ = in.dim(0) * in.dim(1);
  top[0]->reshape({in.dim(0), in.dim(1), windows_.pooled_h, windows_.pooled_w});
  if (method_ == PoolingParameter::MAX) argmax_.reshape(top[0]->shape());
}

int64_t PoolingLayer::forward_macs(Tensors bottom, Tensors top) const {
  return top[0]->count() * windows_.kernel_h * windows_.kernel_w;
}

void PoolingLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const PoolingWindows& w = windows_;
  const int64_t in_plane = int64_t{w.height} * w.width;
  const int64_t out_plane = int64_t{w.pooled_h} * w.pooled_w;
  const float* in = bottom[0]->data().data();
  float* out = top[0]->mutable_data().data();
  float* argmax = method_ == PoolingParameter::MAX ? argmax_.mutable_data().data() : nullptr;
  for (int64_t plane = 0; plane < planes_; ++plane) {
    const float* x = in + plane * in_plane;
    float* y = out + plane * out_plane;
    for (int py = 0; py < w.pooled_h; ++py) {
      for (int px = 0; px < w.pooled_w; ++px) {
        const Window win = window_at(w, py, px);
        const int64_t o = int64_t{py} * w.pooled_w + px;
        if (method_ == PoolingParameter::MAX) {
          float best = -FLT_MAX;
          int best_index = -1;
          for (int yy = win.y0; yy < win.y1; ++yy) {
            for (int xx = win.x0; xx < win.x1; ++xx) {
              const int i = yy * w.width + xx;
              if (x[i] > best) {
                best = x[i];
                best_index = i;
              }
            }
          }
          y[o] = best;
          argmax[plane * out_plane + o] = static_cast<float>(best_index);
        } else {
          const bool squares = method_ == PoolingParameter::L2;
          float sum = 0;
          for (int yy = win.y0; yy < win.y1; ++yy) {
            for (int xx = win.x0; xx < win.x1; ++xx) {
              const float v = x[yy * w.width + xx];
              sum += squares ? v * v : v;
            }
          }
          y[o] = squares ? std::sqrt(sum) : sum / static_cast<float>(win.padded_area);
        }
      }
    }
  }
}

void PoolingLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const PoolingWindows& w = windows_;
  const int64_t in_plane = int64_t{w.height} * w.width;
  const int64_t out_plane = int64_t{w.pooled_h} * w.pooled_w;
  const float* top_diff = top[0]->diff().data();
  const float* top_data = top[0]->data().data();
  const float* in = bottom[0]->data().data();
  auto in_diff_span = bottom[0]->mutable_diff();
  std::ranges::fill(in_diff_span, 0.0f);
  float* in_diff = in_diff_span.data();
  const float* argmax = method_ == PoolingParameter::MAX ? argmax_.data().data() : nullptr;
  for (int64_t plane = 0; plane < planes_; ++plane) {
    const float* x = in + plane * in_plane;
    float* dx = in_diff + plane * in_plane;
    const float* dy = top_diff + plane * out_plane;
    const float* y = top_data + plane * out_plane;
    for (int py = 0; py < w.pooled_h; ++py) {
      for (int px = 0; px < w.pooled_w; ++px) {
        const int64_t o = int64_t{py} * w.pooled_w + px;
        if (method_ == PoolingParameter::MAX) {
          dx[static_cast<int64_t>(argmax[plane * out_plane + o])] += dy[o];
          continue;
        }
        const Window win = window_at(w, py, px);
        if (method_ == PoolingParameter::AVE) {
          const float share = dy[o] / static_cast<float>(win.padded_area);
          for (int yy = win.y0; yy < win.y1; ++yy) {
            for (int xx = win.x0; xx < win.x1; ++xx) dx[yy * w.width + xx] += share;
          }
        } else if (y[o] > 0) {  // L2: d sqrt(sum x^2) / dx = x / y; 0 where y = 0
          const float scale = dy[o] / y[o];
          for (int yy = win.y0; yy < win.y1; ++yy) {
            for (int xx = win.x0; xx < win.x1; ++xx) {
              const int i = yy * w.width + xx;
              dx[i] += scale * x[i];
            }
          }
        }
      }
    }
  }
}

}  // namespace visage
