#include "layers/dropout.hpp"

#include <algorithm>

#include "layers/dropout_mask.hpp"

namespace visage {

void DropoutLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  ratio_ = param_.dropout_param().dropout_ratio();
  VISAGE_LAYER_CHECK(ratio_ >= 0.0f && ratio_ < 1.0f,
                     "dropout_param.dropout_ratio must be in [0, 1), got ", ratio_);
  scale_ = 1.0f / (1.0f - ratio_);
}

void DropoutLayer::reshape(Tensors bottom, Tensors top) {
  if (bottom[0] != top[0]) top[0]->reshape_like(*bottom[0]);
}

void DropoutLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto out = top[0]->mutable_data();
  if (!training()) {
    if (bottom[0] != top[0]) std::ranges::copy(in, out.begin());
    return;
  }
  seed_ = ctx.rng().next_u64();
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = dropout::kept(seed_, i, ratio_) ? in[i] * scale_ : 0.0f;
  }
}

void DropoutLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const auto top_diff = top[0]->diff();
  const auto bottom_diff = bottom[0]->mutable_diff();
  if (!training()) {
    if (bottom[0] != top[0]) std::ranges::copy(top_diff, bottom_diff.begin());
    return;
  }
  for (std::size_t i = 0; i < top_diff.size(); ++i) {
    bottom_diff[i] = dropout::kept(seed_, i, ratio_) ? top_diff[i] * scale_ : 0.0f;
  }
}

}  // namespace visage
