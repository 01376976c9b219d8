// GPU half of layers/pooling.cpp. Forward: one thread per output. Backward: one thread per input
// pixel gathering from the windows that contain it (Caffe's scheme), so no atomics and the result
// does not depend on scheduling. MAX compares against the argmax recorded by forward. Indices are
// 32-bit where they fit: the kernels are mostly index arithmetic, and 64-bit division is slow.
#include <algorithm>
#include <cfloat>
#include <cstdint>

#include "cuda/kernel.cuh"
#include "layers/pooling.hpp"

namespace visage {
namespace {

using proto::PoolingParameter;

// The window's sizes in the kernel's index type (int32_t where every index fits).
template <typename Index>
struct Sizes {
  Index height, width, pooled_h, pooled_w, kernel_h, kernel_w, pad_h, pad_w, stride_h, stride_w;
};

template <typename Index>
Sizes<Index> sizes_of(const WindowGeometry& w) {
  return {static_cast<Index>(w.height),   static_cast<Index>(w.width),
          static_cast<Index>(w.out_h()),  static_cast<Index>(w.out_w()),
          static_cast<Index>(w.kernel_h), static_cast<Index>(w.kernel_w),
          static_cast<Index>(w.pad_h),    static_cast<Index>(w.pad_w),
          static_cast<Index>(w.stride_h), static_cast<Index>(w.stride_w)};
}

template <typename Index>
__global__ void pool_forward(Index total, WindowGeometry w, Sizes<Index> s,
                             PoolingParameter::PoolMethod method, const float* in, float* out,
                             float* argmax) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index px = i % s.pooled_w;
    const Index py = (i / s.pooled_w) % s.pooled_h;
    const Index plane = i / (s.pooled_w * s.pooled_h);
    const float* x = in + plane * s.height * s.width;
    const ClippedWindow win = clipped_window(w, py, px);
    if (method == PoolingParameter::MAX) {
      float best = -FLT_MAX;
      Index best_index = -1;
      for (Index yy = static_cast<Index>(win.y0); yy < win.y1; ++yy) {
        for (Index xx = static_cast<Index>(win.x0); xx < win.x1; ++xx) {
          const Index k = yy * s.width + xx;
          if (x[k] > best) {
            best = x[k];
            best_index = k;
          }
        }
      }
      out[i] = best;
      argmax[i] = static_cast<float>(best_index);
    } else {
      const bool squares = method == PoolingParameter::L2;
      float sum = 0;
      for (Index yy = static_cast<Index>(win.y0); yy < win.y1; ++yy) {
        for (Index xx = static_cast<Index>(win.x0); xx < win.x1; ++xx) {
          const float v = x[yy * s.width + xx];
          sum += squares ? v * v : v;
        }
      }
      out[i] = squares ? sqrtf(sum) : sum / static_cast<float>(win.padded_area);
    }
  }
}

template <typename Index>
__global__ void pool_backward(Index total, WindowGeometry w, Sizes<Index> s,
                              PoolingParameter::PoolMethod method, const float* in,
                              const float* out, const float* top_diff, const float* argmax,
                              float* in_diff) {
  VISAGE_KERNEL_LOOP_AS(Index, i, total) {
    const Index x = i % s.width;
    const Index y = (i / s.width) % s.height;
    const Index plane = i / (s.width * s.height);
    // The outputs whose windows contain (y, x).
    const Index py0 = (y + s.pad_h < s.kernel_h) ? 0 : (y + s.pad_h - s.kernel_h) / s.stride_h + 1;
    const Index py1 = min((y + s.pad_h) / s.stride_h + 1, s.pooled_h);
    const Index px0 = (x + s.pad_w < s.kernel_w) ? 0 : (x + s.pad_w - s.kernel_w) / s.stride_w + 1;
    const Index px1 = min((x + s.pad_w) / s.stride_w + 1, s.pooled_w);
    const Index base = plane * s.pooled_h * s.pooled_w;
    const float self = static_cast<float>(y * s.width + x);
    float grad = 0;
    for (Index py = py0; py < py1; ++py) {
      for (Index px = px0; px < px1; ++px) {
        const Index o = base + py * s.pooled_w + px;
        if (method == PoolingParameter::MAX) {
          if (argmax[o] == self) grad += top_diff[o];
        } else if (method == PoolingParameter::AVE) {
          grad += top_diff[o] / static_cast<float>(clipped_window(w, py, px).padded_area);
        } else if (out[o] > 0) {
          grad += top_diff[o] * in[i] / out[o];
        }
      }
    }
    in_diff[i] = grad;
  }
}

}  // namespace

void PoolingLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t total = top[0]->count();
  float* argmax = method_ == PoolingParameter::MAX ? argmax_.mutable_gpu_data(ctx) : nullptr;
  // Padding can make the top larger than the bottom.
  gpu::with_index_type(std::max(total, bottom[0]->count()), [&]<typename Index>(Index) {
    pool_forward<Index><<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        static_cast<Index>(total), window_, sizes_of<Index>(window_), method_,
        bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx), argmax);
  });
  VISAGE_CUDA_CHECK_LAUNCH();
}

void PoolingLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t total = bottom[0]->count();
  const bool is_max = method_ == PoolingParameter::MAX;
  const bool is_l2 = method_ == PoolingParameter::L2;
  gpu::with_index_type(std::max(total, top[0]->count()), [&]<typename Index>(Index) {
    pool_backward<Index><<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
        static_cast<Index>(total), window_, sizes_of<Index>(window_), method_,
        is_l2 ? bottom[0]->gpu_data(ctx) : nullptr, is_l2 ? top[0]->gpu_data(ctx) : nullptr,
        top[0]->gpu_diff(ctx), is_max ? argmax_.gpu_data(ctx) : nullptr,
        bottom[0]->mutable_gpu_diff(ctx));
  });
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
