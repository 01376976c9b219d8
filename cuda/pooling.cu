// GPU half of layers/pooling.cpp. Forward: one thread per output. Backward: one thread per input
// pixel gathering from the windows that contain it (Caffe's scheme), so no atomics and the result
// does not depend on scheduling. MAX compares against the argmax recorded by forward.
#include <cfloat>

#include "cuda/kernel.cuh"
#include "layers/pooling.hpp"

namespace visage {
namespace {

using proto::PoolingParameter;

__device__ int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

__global__ void pool_forward(int64_t total, WindowGeometry w, PoolingParameter::PoolMethod method,
                             const float* in, float* out, float* argmax) {
  const int64_t pooled_h = w.out_h();
  const int64_t pooled_w = w.out_w();
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t px = i % pooled_w;
    const int64_t py = (i / pooled_w) % pooled_h;
    const int64_t plane = i / (pooled_w * pooled_h);
    const float* x = in + plane * w.height * w.width;
    const ClippedWindow win = clipped_window(w, py, px);
    if (method == PoolingParameter::MAX) {
      float best = -FLT_MAX;
      int64_t best_index = -1;
      for (int64_t yy = win.y0; yy < win.y1; ++yy) {
        for (int64_t xx = win.x0; xx < win.x1; ++xx) {
          const int64_t k = yy * w.width + xx;
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
      for (int64_t yy = win.y0; yy < win.y1; ++yy) {
        for (int64_t xx = win.x0; xx < win.x1; ++xx) {
          const float v = x[yy * w.width + xx];
          sum += squares ? v * v : v;
        }
      }
      out[i] = squares ? sqrtf(sum) : sum / static_cast<float>(win.padded_area);
    }
  }
}

__global__ void pool_backward(int64_t total, WindowGeometry w, PoolingParameter::PoolMethod method,
                              const float* in, const float* out, const float* top_diff,
                              const float* argmax, float* in_diff) {
  const int64_t pooled_h = w.out_h();
  const int64_t pooled_w = w.out_w();
  VISAGE_KERNEL_LOOP(i, total) {
    const int64_t x = i % w.width;
    const int64_t y = (i / w.width) % w.height;
    const int64_t plane = i / (w.width * w.height);
    // The outputs whose windows contain (y, x).
    const int64_t py0 =
        (y + w.pad_h < w.kernel_h) ? 0 : (y + w.pad_h - w.kernel_h) / w.stride_h + 1;
    const int64_t py1 = smaller((y + w.pad_h) / w.stride_h + 1, pooled_h);
    const int64_t px0 =
        (x + w.pad_w < w.kernel_w) ? 0 : (x + w.pad_w - w.kernel_w) / w.stride_w + 1;
    const int64_t px1 = smaller((x + w.pad_w) / w.stride_w + 1, pooled_w);
    const int64_t base = plane * pooled_h * pooled_w;
    const float self = static_cast<float>(y * w.width + x);
    float grad = 0;
    for (int64_t py = py0; py < py1; ++py) {
      for (int64_t px = px0; px < px1; ++px) {
        const int64_t o = base + py * pooled_w + px;
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
  pool_forward<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      total, window_, method_, bottom[0]->gpu_data(ctx), top[0]->mutable_gpu_data(ctx), argmax);
  VISAGE_CUDA_CHECK_LAUNCH();
}

void PoolingLayer::backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t total = bottom[0]->count();
  const bool is_max = method_ == PoolingParameter::MAX;
  const bool is_l2 = method_ == PoolingParameter::L2;
  pool_backward<<<gpu::blocks_for(total), gpu::kThreadsPerBlock, 0, gpu::stream(ctx)>>>(
      total, window_, method_, is_l2 ? bottom[0]->gpu_data(ctx) : nullptr,
      is_l2 ? top[0]->gpu_data(ctx) : nullptr, top[0]->gpu_diff(ctx),
      is_max ? argmax_.gpu_data(ctx) : nullptr, bottom[0]->mutable_gpu_diff(ctx));
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
