#include "layers/scale.hpp"

#include <algorithm>

#include "core/filler.hpp"

namespace visage {

void ScaleLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.scale_param();
  bias_term_ = p.bias_term();
  params_.clear();
  const Shape shape =
      learned_scale(bottom)
          ? with_context(
                describe(),
                [&] { return broadcast_param_shape(bottom[0]->shape(), p.axis(), p.num_axes()); })
          : bottom[1]->shape();
  if (learned_scale(bottom)) {
    proto::FillerParameter filler = p.filler();
    if (!p.has_filler()) {
      filler.set_type("constant");
      filler.set_value(1.0f);
    }
    with_context(describe() + ": filler", [&] { validate_filler(filler); });
    params_.push_back(std::make_shared<Tensor>(shape));
    fill(filler, *params_.back(), ctx.rng());
  }
  if (bias_term_) {
    proto::FillerParameter filler = p.bias_filler();
    if (!p.has_bias_filler()) filler.set_type("constant");
    with_context(describe() + ": bias_filler", [&] { validate_filler(filler); });
    params_.push_back(std::make_shared<Tensor>(shape));
    fill(filler, *params_.back(), ctx.rng());
  }
}

void ScaleLayer::reshape(Tensors bottom, Tensors top) {
  axes_ = with_context(describe(), [&] {
    return broadcast_axes(bottom[0]->shape(), scale(bottom).shape(), param_.scale_param().axis());
  });
  if (bias_term_) {
    VISAGE_LAYER_CHECK(params_.back()->count() == axes_.dim, "scale of shape ",
                       scale(bottom).shape_string(), " and bias of shape ",
                       params_.back()->shape_string(), " differ");
  }
  top[0]->reshape_like(*bottom[0]);
}

const float* ScaleLayer::bias_on(const Context& ctx, Tensors bottom) {
  return bias_term_ ? params_.back()->data_on(ctx) : nullptr;
}

void ScaleLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto s = scale(bottom).data();
  const float* b = bias_on(ctx, bottom);
  const auto out = top[0]->mutable_data();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int64_t d = (static_cast<int64_t>(i) / axes_.inner) % axes_.dim;
    out[i] = in[i] * s[d] + (b != nullptr ? b[d] : 0.0f);
  }
}

void ScaleLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  const auto top_diff = top[0]->diff();
  const auto in = bottom[0]->data();
  const auto slot = [&](std::size_t i) {
    return (static_cast<int64_t>(i) / axes_.inner) % axes_.dim;
  };
  if (bias_term_) {
    const auto bias_diff = params_.back()->mutable_diff();
    for (std::size_t i = 0; i < top_diff.size(); ++i) bias_diff[slot(i)] += top_diff[i];
  }
  // A learned scale accumulates its gradient; a scale bottom's gradient is overwritten.
  if (learned_scale(bottom) || propagate_down[1]) {
    const auto scale_diff = scale(bottom).mutable_diff();
    if (!learned_scale(bottom)) std::ranges::fill(scale_diff, 0.0f);
    for (std::size_t i = 0; i < top_diff.size(); ++i) scale_diff[slot(i)] += top_diff[i] * in[i];
  }
  if (propagate_down[0]) {
    const auto s = scale(bottom).data();
    const auto bottom_diff = bottom[0]->mutable_diff();
    for (std::size_t i = 0; i < top_diff.size(); ++i) bottom_diff[i] = top_diff[i] * s[slot(i)];
  }
}

}  // namespace visage
