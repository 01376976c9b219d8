#include "layers/prelu.hpp"

#include <algorithm>

#include "core/filler.hpp"

namespace visage {

void PReLULayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.prelu_param();
  VISAGE_LAYER_CHECK(bottom[0]->num_axes() >= 2,
                     "needs an input with a channel axis (N, C, ...), got ",
                     bottom[0]->shape_string());
  channel_shared_ = p.channel_shared();
  proto::FillerParameter filler = p.filler();
  if (!p.has_filler()) {
    filler.set_type("constant");
    filler.set_value(0.25f);
  }
  with_context(describe() + ": filler", [&] { validate_filler(filler); });
  params_.clear();
  params_.push_back(std::make_shared<Tensor>(Shape{channel_shared_ ? 1 : bottom[0]->dim(1)}));
  fill(filler, slopes(), ctx.rng());
}

void PReLULayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() >= 2, "needs an input with a channel axis (N, C, ...), got ",
                     in.shape_string());
  VISAGE_LAYER_CHECK(channel_shared_ || in.dim(1) == slopes().count(), "input of shape ",
                     in.shape_string(), " has ", in.dim(1), " channels but the layer has ",
                     slopes().count(), " slopes");
  channels_ = in.dim(1);
  inner_ = in.count(2);
  if (bottom[0] == top[0]) {
    input_copy_.reshape_like(in);
  } else {
    top[0]->reshape_like(in);
  }
}

const Tensor& PReLULayer::input(Tensors bottom, Tensors top) const {
  return bottom[0] == top[0] ? input_copy_ : *bottom[0];
}

void PReLULayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  if (bottom[0] == top[0]) input_copy_.copy_data_from(*bottom[0]);
  const auto in = input(bottom, top).data();
  const auto a = slopes().data();
  const auto out = top[0]->mutable_data();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int64_t c = channel_shared_ ? 0 : (static_cast<int64_t>(i) / inner_) % channels_;
    out[i] = in[i] > 0.0f ? in[i] : a[c] * in[i];
  }
}

void PReLULayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  const auto in = input(bottom, top).data();
  const auto top_diff = top[0]->diff();
  // The slope gradient first: in place, the bottom's gradient overwrites the top's.
  const auto slope_diff = slopes().mutable_diff();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] > 0.0f) continue;
    const int64_t c = channel_shared_ ? 0 : (static_cast<int64_t>(i) / inner_) % channels_;
    slope_diff[c] += top_diff[i] * in[i];
  }
  if (!propagate_down[0]) return;
  const auto a = slopes().data();
  const auto bottom_diff = bottom[0]->mutable_diff();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int64_t c = channel_shared_ ? 0 : (static_cast<int64_t>(i) / inner_) % channels_;
    bottom_diff[i] = in[i] > 0.0f ? top_diff[i] : a[c] * top_diff[i];
  }
}

}  // namespace visage
