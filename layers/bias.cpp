#include "layers/bias.hpp"

#include <algorithm>

#include "core/filler.hpp"

namespace visage {

void BiasLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  params_.clear();
  if (bottom.size() > 1) return;
  const auto& p = param_.bias_param();
  proto::FillerParameter filler = p.filler();
  if (!p.has_filler()) filler.set_type("constant");
  with_context(describe() + ": filler", [&] { validate_filler(filler); });
  const Shape shape = with_context(describe(), [&] {
    return broadcast_param_shape(bottom[0]->shape(), p.axis(), p.num_axes());
  });
  params_.push_back(std::make_shared<Tensor>(shape));
  fill(filler, *params_[0], ctx.rng());
}

void BiasLayer::reshape(Tensors bottom, Tensors top) {
  axes_ = with_context(describe(), [&] {
    return broadcast_axes(bottom[0]->shape(), bias(bottom).shape(), param_.bias_param().axis());
  });
  top[0]->reshape_like(*bottom[0]);
}

// (outer, dim, inner) loops keep the inner loop contiguous; see ScaleLayer.
void BiasLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const float* in = bottom[0]->data().data();
  const float* b = bias(bottom).data().data();
  float* out = top[0]->mutable_data().data();
  const int64_t inner = axes_.inner;
  for (int64_t o = 0; o < axes_.outer; ++o) {
    for (int64_t d = 0; d < axes_.dim; ++d) {
      const int64_t base = (o * axes_.dim + d) * inner;
      for (int64_t i = 0; i < inner; ++i) out[base + i] = in[base + i] + b[d];
    }
  }
}

void BiasLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                             Tensors bottom) {
  const auto top_diff = top[0]->diff();
  if (propagate_down[0]) std::ranges::copy(top_diff, bottom[0]->mutable_diff().begin());
  const bool learned = bottom.size() == 1;
  if (!learned && !propagate_down[1]) return;
  // A learned bias accumulates its gradient; a bias bottom's gradient is overwritten.
  const auto bias_diff = bias(bottom).mutable_diff();
  if (!learned) std::ranges::fill(bias_diff, 0.0f);
  const int64_t inner = axes_.inner;
  for (int64_t o = 0; o < axes_.outer; ++o) {
    for (int64_t d = 0; d < axes_.dim; ++d) {
      const float* g = top_diff.data() + (o * axes_.dim + d) * inner;
      float sum = 0.0f;
      for (int64_t i = 0; i < inner; ++i) sum += g[i];
      bias_diff[d] += sum;
    }
  }
}

}  // namespace visage
