// GPU half of layers/pooling.cpp. Forward: one thread per output. Backward: one thread per input
// pixel gathering from the windows that contain it (Caffe's scheme), so no atomics and the result
// does not depend on scheduling. MAX compares against the argmax recorded by forward.
#include <cfloat>

#include "cuda/kernel.cuh"
#include "layers/pooling.hpp"

namespace visage {
namespace {

using proto::PoolingParameter;

struct DeviceWindow {
  int y0, y1, x0, x1;
  int padded_area;
};

// Same as window_at in layers/pooling.cpp.
__device__ DeviceWindow window_at(const PoolingWindows& w, int py, int px) {
  int y0 = py * w.stride_h - w.pad_h;
  int x0 = px * w.stride_w - w.pad_w;
  int y1 = min(y0 + w.kernel_h, w.height + w.pad_h);
  int x1 = min(x0 + w.kernel_w, w.width + w.pad_w);
  const int padded_area = (y1 - y0) * (x1 - x0);
  return {max(y0, 0), min(y1, w.height), max(x0, 0), min(x1, w.width), padded_area};
}

__global__ void pool_forward(int64_t total, PoolingWindows w, PoolingParameter::PoolMethod method,
                             const float* in, float* out, float* argmax) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int px = static_cast<int>(i % w.pooled_w);
    const int py = static_cast<int>((i / w.pooled_w) % w.pooled_h);
    const int64_t plane = i / (int64_t{w.pooled_w} * w.pooled_h);
    const float* x = in + plane * w.height * w.width;
    const DeviceWindow win = window_at(w, py, px);
    if (method == PoolingParameter::MAX) {
      float best = -FLT_MAX;
      int best_index = -1;
      for (int yy = win.y0; yy < win.y1; ++yy) {
        for (int xx = win.x0; xx < win.x1; ++xx) {
          const int k = yy * w.width + xx;
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
      for (int yy = win.y0; yy < win.y1; ++yy) {
        for (int xx = win.x0; xx < win.x1; ++xx) {
          const float v = x[yy * w.width + xx];
          sum += squares ? v * v : v;
        }
      }
      out[i] = squares ? sqrtf(sum) : sum / static_cast<float>(win.padded_area);
    }
  }
}

__global__ void pool_backward(int64_t total, PoolingWindows w, PoolingParameter::PoolMethod method,
                              const float* in, const float* out, const float* top_diff,
                              const float* argmax, float* in_diff) {
  VISAGE_KERNEL_LOOP(i, total) {
    const int x = static_cast<int>(i % w.width);
    const int y = static_cast<int>((i / w.width) % w.height);
    const int64_t plane = i / (int64_t{w.width} * w.height);
    // The outputs whose windows contain (y, x).
    const int py0 = (y + w.pad_h < w.kernel_h) ? 0 : (y + w.pad_h - w.kernel_h) / w.stride_h + 1;
    const int py1 = min((y + w.pad_h) / w.stride_h + 1, w.pooled_h);
    const int px0 = (x + w.pad_w < w.kernel_w) ? 0 : (x + w.pad_w - w.kernel_w) / w.stride_w + 1;
    const int px1 = min((x + w.pad_w) / w.stride_w + 1, w.pooled_w);
    const int64_t base = plane * w.pooled_h * w.pooled_w;
    const float self = static_cast<float>(y * w.width + x);
    float grad = 0;
    for (int py = py0; py < py1; ++py) {
      for (int px = px0; px < px1; ++px) {
        const int64_t o = base + int64_t{py} * w.pooled_w + px;
        if (method == PoolingParameter::MAX) {
          if (argmax[o] == self) grad += top_diff[o];
        } else if (method == PoolingParameter::AVE) {
          grad += top_diff[o] / static_cast<float>(window_at(w, py, px).padded_area);
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
  pool_forward<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      total, windows_, method_, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx), argmax);
  VISAGE_CUDA_CHECK_LAUNCH();
}

void PoolingLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t total = bottom[0]->count();
  const bool is_max = method_ == PoolingParameter::MAX;
  const bool is_l2 = method_ == PoolingParameter::L2;
  pool_backward<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      total, windows_, method_, is_l2 ? bottom[0]->gpu_data(ctx) : nullptr,
      is_l2 ? top[0]->gpu_data(ctx) : nullptr, top[0]->gpu_diff(ctx),
      is_max ? argmax_.gpu_data(ctx) : nullptr, bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
