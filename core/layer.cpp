#include "core/layer.hpp"

#include "core/error.hpp"

namespace visage {
namespace {

std::string arity_text(Arity a) {
  if (a.max == a.min) return std::to_string(a.min);
  if (a.max < 0) return concat("at least ", a.min);
  return concat(a.min, " to ", a.max);
}

void check_arity(const Layer& layer, const char* what, Arity arity, size_t n) {
  const auto count = static_cast<int>(n);
  if (count < arity.min || (arity.max >= 0 && count > arity.max)) {
    fail(layer.describe(), ": takes ", arity_text(arity), " ", what, ", got ", count);
  }
}

float sum_weighted(const Tensor& top, float weight, const Context& ctx) {
  // The loss is a scalar (or a few values); read it on the host.
  float total = 0;
  for (float v : top.data()) total += v;
  return weight * total;
}

}  // namespace

Layer::Layer(const proto::LayerParameter& param) : param_(param) {
  if (param_.has_phase()) phase_ = param_.phase();
}

std::string Layer::describe() const { return concat("layer '", name(), "' (", type(), ")"); }

float Layer::loss_weight(int top) const {
  return top < static_cast<int>(loss_weights_.size()) ? loss_weights_[top] : 0.0f;
}

void Layer::set_loss_weight(int top, float weight) {
  if (static_cast<int>(loss_weights_.size()) <= top) loss_weights_.resize(top + 1, 0.0f);
  loss_weights_[top] = weight;
}

void Layer::setup(Context& ctx, Tensors bottom, Tensors top) {
  check_arity(*this, "inputs (bottom)", bottom_arity(), bottom.size());
  check_arity(*this, "outputs (top)", top_arity(), top.size());
  configure(ctx, bottom, top);
  reshape(bottom, top);
}

float Layer::forward(Context& ctx, Tensors bottom, Tensors top) {
  reshape(bottom, top);
#if VISAGE_WITH_CUDA
  if (ctx.is_gpu()) {
    forward_gpu(ctx, bottom, top);
  } else {
    forward_cpu(ctx, bottom, top);
  }
#else
  forward_cpu(ctx, bottom, top);
#endif
  float loss = 0;
  for (size_t i = 0; i < top.size(); ++i) {
    const float w = loss_weight(static_cast<int>(i));
    if (w != 0.0f) loss += sum_weighted(*top[i], w, ctx);
  }
  return loss;
}

void Layer::backward(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                     Tensors bottom) {
#if VISAGE_WITH_CUDA
  if (ctx.is_gpu()) {
    backward_gpu(ctx, top, propagate_down, bottom);
    return;
  }
#endif
  backward_cpu(ctx, top, propagate_down, bottom);
}

}  // namespace visage
