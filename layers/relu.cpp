#include "layers/relu.hpp"

namespace visage {

void ReLULayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  negative_slope_ = param_.relu_param().negative_slope();
}

void ReLULayer::reshape(Tensors bottom, Tensors top) {
  // Backward decides the slope from the bottom's sign; in place that is the top's, which has the
  // same sign only when the slope is not negative.
  VISAGE_LAYER_CHECK(bottom[0] != top[0] || negative_slope_ >= 0.0f, "negative_slope ",
                     negative_slope_, " is not supported in place (use a separate top)");
  if (bottom[0] != top[0]) top[0]->reshape_like(*bottom[0]);
}

void ReLULayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto out = top[0]->mutable_data();
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = in[i] > 0.0f ? in[i] : negative_slope_ * in[i];
  }
}

void ReLULayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                             Tensors bottom) {
  if (!propagate_down[0]) return;
  const auto in = bottom[0]->data();
  const auto top_diff = top[0]->diff();
  const auto bottom_diff = bottom[0]->mutable_diff();
  for (std::size_t i = 0; i < in.size(); ++i) {
    bottom_diff[i] = in[i] > 0.0f ? top_diff[i] : negative_slope_ * top_diff[i];
  }
}

}  // namespace visage
