#include "layers/pooling.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "layers/pooling_passes.hpp"
#include "layers/sliced_parallel.hpp"

namespace visage {

using proto::PoolingParameter;

namespace {

// Runs body(begin, end) on blocks of [0, planes) handed to the BLAS threads as they come free
// (cpu::run_blocks), about eight per worker, so that a preempted worker's share is small.
template <typename Body>
void for_each_block(int64_t planes, Body&& body) {
  const int workers = cpu::slice_workers(planes);
  const int64_t grain = std::max<int64_t>(planes / (8 * int64_t{workers}), 1);
  cpu::run_blocks(planes, grain, workers,
                  [&](int64_t begin, int64_t end, int) { body(begin, end); });
}

// Runs body(pooling, plane) for every plane, with one Pooling (passes and scratch) per block.
template <typename Pooling, typename Body>
void for_each_plane(const WindowGeometry& window, int64_t planes, Body&& body) {
  for_each_block(planes, [&](int64_t begin, int64_t end) {
    Pooling pooling(window);
    for (int64_t p = begin; p < end; ++p) body(pooling, p);
  });
}

}  // namespace

void PoolingLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.pooling_param();
  method_ = p.pool();
  VISAGE_LAYER_CHECK(method_ != PoolingParameter::STOCHASTIC,
                     "pool: STOCHASTIC is not implemented (use MAX, AVE or L2)");
  global_ = p.global_pooling();
  const WindowFields fields = window_fields(p);
  if (global_) {
    VISAGE_LAYER_CHECK(fields.kernel.empty() && !fields.kernel_h && !fields.kernel_w,
                       "global_pooling takes the whole image; do not give a kernel");
  }
  with_context(describe() + ": pooling_param", [&] { read_window(fields, window_, global_); });
  VISAGE_LAYER_CHECK(!global_ || (window_.pad_h == 0 && window_.pad_w == 0 &&
                                  window_.stride_h == 1 && window_.stride_w == 1),
                     "global_pooling takes no pad or stride");
  window_.rounding = p.round_mode() == PoolingParameter::CEIL
                         ? WindowGeometry::Rounding::pooling_ceil
                         : WindowGeometry::Rounding::pooling_floor;
  if (!global_) {
    VISAGE_LAYER_CHECK(window_.pad_h < window_.kernel_h && window_.pad_w < window_.kernel_w, "pad ",
                       window_.pad_h, "x", window_.pad_w, " must be smaller than the kernel ",
                       window_.kernel_h, "x", window_.kernel_w);
  }
}

void PoolingLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     in.shape_string());
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  VISAGE_LAYER_CHECK(in.dim(2) <= kIntMax && in.dim(3) <= kIntMax && window_.kernel_h <= kIntMax &&
                         window_.kernel_w <= kIntMax && window_.stride_h <= kIntMax &&
                         window_.stride_w <= kIntMax,
                     "input ", in.shape_string(), " or window (", window_.describe(),
                     ") too large: sizes must stay below 2^31");
  window_.channels = in.dim(1);
  window_.height = in.dim(2);
  window_.width = in.dim(3);
  if (global_) {
    window_.kernel_h = window_.height;
    window_.kernel_w = window_.width;
  }
  with_context(describe(), [&] { check_kernel_fits(window_, in.shape_string()); });
  VISAGE_LAYER_CHECK(method_ != PoolingParameter::MAX || in.count(2) < (int64_t{1} << 24),
                     "MAX pooling keeps argmax indices as floats, exact only below 2^24 pixels "
                     "per channel; input ",
                     in.shape_string(), " is larger");
  planes_ = in.dim(0) * in.dim(1);
  top[0]->reshape({in.dim(0), in.dim(1), window_.out_h(), window_.out_w()});
  if (method_ == PoolingParameter::MAX) argmax_.reshape(top[0]->shape());
}

int64_t PoolingLayer::forward_macs(Tensors bottom, Tensors top) const {
  return top[0]->count() * window_.kernel_h * window_.kernel_w;
}

void PoolingLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t in_plane = window_.height * window_.width;
  const int64_t out_plane = window_.out_h() * window_.out_w();
  const bool is_max = method_ == PoolingParameter::MAX;
  const bool squares = method_ == PoolingParameter::L2;
  const float* in = bottom[0]->data().data();
  float* out = top[0]->mutable_data().data();
  float* argmax = is_max ? argmax_.mutable_data().data() : nullptr;
  const auto pool = [&](auto& pooling, int64_t p) {
    if (is_max) {
      pooling.max(in + p * in_plane, out + p * out_plane, argmax + p * out_plane);
    } else {
      pooling.sum(in + p * in_plane, squares, out + p * out_plane);
    }
  };
  if (CentredPooling::faster(window_, is_max)) {
    for_each_plane<CentredPooling>(window_, planes_, pool);
  } else {
    for_each_plane<PlanePooling>(window_, planes_, pool);
  }
}

void PoolingLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const int64_t in_plane = window_.height * window_.width;
  const int64_t out_plane = window_.out_h() * window_.out_w();
  const bool squares = method_ == PoolingParameter::L2;
  const float* top_diff = top[0]->diff().data();
  const float* top_data = top[0]->data().data();
  const float* in = bottom[0]->data().data();
  float* in_diff = bottom[0]->mutable_diff().data();
  if (method_ == PoolingParameter::MAX) {
    const float* argmax = argmax_.data().data();
    for_each_block(planes_, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        max_pooling_backward(argmax + p * out_plane, top_diff + p * out_plane, out_plane, in_plane,
                             in_diff + p * in_plane);
      }
    });
    return;
  }
  const auto spread = [&](auto& pooling, int64_t p) {
    const int64_t i = p * in_plane, o = p * out_plane;
    pooling.sum_backward(in + i, top_data + o, top_diff + o, squares, in_diff + i);
  };
  if (CentredPooling::faster(window_, false)) {
    for_each_plane<CentredPooling>(window_, planes_, spread);
  } else {
    for_each_plane<PlanePooling>(window_, planes_, spread);
  }
}

}  // namespace visage
