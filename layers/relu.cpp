#include "layers/relu.hpp"

#include <algorithm>

#include "layers/sliced_parallel.hpp"

namespace visage {
namespace {

// Large inputs are split into blocks of this many values among the workers (elementwise, so any
// split gives the same values).
constexpr int64_t kBlock = int64_t{1} << 15;

// Both loops are written in forms that GCC vectorises: std::max/min, and in backward
// `max(x, 0) > 0` for `x > 0`. The plain `x > 0 ? a : slope * a` stays a scalar loop that branches
// on every sign and mispredicts about half of them (10x slower on NN2's activations). They are
// functions of their own, with the pointers and slope as arguments: inside the workers' lambda,
// reading them through its captures, the backward loop was not vectorised (2.6x slower).
void forward_block(const float* in, float* out, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::max(in[i], 0.0f) + slope * std::min(in[i], 0.0f);
}

void backward_block(const float* in, const float* top_diff, float* bottom_diff, int64_t n,
                    float slope) {
  for (int64_t i = 0; i < n; ++i) {
    const float gain = std::max(in[i], 0.0f) > 0.0f ? 1.0f : slope;
    bottom_diff[i] = gain * top_diff[i];
  }
}

}  // namespace

void ReLULayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  negative_slope_ = param_.relu_param().negative_slope();
}

void ReLULayer::reshape(Tensors bottom, Tensors top) {
  // Backward decides the slope from the bottom's sign; in place that is the top's, which has the
  // same sign only when the slope is not negative.
  VISAGE_LAYER_CHECK(bottom[0] != top[0] || negative_slope_ >= 0.0f, "negative_slope ",
                     negative_slope_, " is not supported in place (use a separate top)");
  in_place_ = bottom[0] == top[0];
  if (!in_place_) top[0]->reshape_like(*bottom[0]);
}

void ReLULayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  if (fused_) return;  // std::max(x, 0.0f) as written: the same values as forward_block's
  const float slope = negative_slope_;
  const float* in = bottom[0]->data().data();
  float* out = top[0]->mutable_data().data();
  const int64_t count = bottom[0]->count();
  cpu::run_blocks(count, kBlock, cpu::elementwise_workers(count),
                  [&](int64_t first, int64_t end, int) {
                    forward_block(in + first, out + first, end - first, slope);
                  });
}

void ReLULayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                             Tensors bottom) {
  if (!propagate_down[0]) return;
  const float slope = negative_slope_;
  const float* in = bottom[0]->data().data();
  const float* top_diff = top[0]->diff().data();
  float* bottom_diff = bottom[0]->mutable_diff().data();
  const int64_t count = bottom[0]->count();
  cpu::run_blocks(
      count, kBlock, cpu::elementwise_workers(count), [&](int64_t first, int64_t end, int) {
        backward_block(in + first, top_diff + first, bottom_diff + first, end - first, slope);
      });
}

}  // namespace visage
