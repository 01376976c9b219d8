#include "layers/inner_product.hpp"

#include <algorithm>

#include "core/filler.hpp"
#include "core/math.hpp"

namespace visage {

using cpu::Trans;

void InnerProductLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.inner_product_param();
  VISAGE_LAYER_CHECK(p.num_output() > 0, "inner_product_param.num_output must be positive, got ",
                     p.num_output());
  const int axes = bottom[0]->num_axes();
  VISAGE_LAYER_CHECK(p.axis() >= -axes && p.axis() < axes, "axis ", p.axis(),
                     " is out of range for an input of shape ", bottom[0]->shape_string());
  axis_ = canonical_axis(p.axis(), axes);
  bias_term_ = p.bias_term();
  transpose_ = p.transpose();
  outputs_ = p.num_output();
  inputs_ = bottom[0]->count(axis_);
  VISAGE_LAYER_CHECK(inputs_ > 0, "input of shape ", bottom[0]->shape_string(),
                     " has no elements from axis ", axis_);
  with_context(describe() + ": weight_filler", [&] { validate_filler(p.weight_filler()); });
  with_context(describe() + ": bias_filler", [&] { validate_filler(p.bias_filler()); });

  params_.clear();
  const Shape weight_shape = transpose_ ? Shape{inputs_, outputs_} : Shape{outputs_, inputs_};
  params_.push_back(std::make_shared<Tensor>(weight_shape));
  fill(p.weight_filler(), weights(), ctx.rng());
  if (bias_term_) {
    params_.push_back(std::make_shared<Tensor>(Shape{outputs_}));
    fill(p.bias_filler(), bias(), ctx.rng());
  }
}

void InnerProductLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() > axis_, "input of shape ", in.shape_string(), " has no axis ",
                     axis_);
  const int64_t inputs = in.count(axis_);
  VISAGE_LAYER_CHECK(inputs == inputs_, "input of shape ", in.shape_string(), " has ", inputs,
                     " inputs per example (from axis ", axis_, ") but the weights of shape ",
                     to_string(transpose_ ? Shape{inputs_, outputs_} : Shape{outputs_, inputs_}),
                     " expect ", inputs_);
  rows_ = in.count(0, axis_);
  Shape out(in.shape().begin(), in.shape().begin() + axis_);
  out.push_back(outputs_);
  top[0]->reshape(out);
  if (bias_term_ && bias_multiplier_.count() != rows_) {
    bias_multiplier_.reshape({rows_});
    std::ranges::fill(bias_multiplier_.mutable_data(), 1.0f);
  }
}

int64_t InnerProductLayer::forward_macs(Tensors bottom, Tensors top) const {
  return bottom[0]->count(0, axis_) * outputs_ * inputs_;
}

void InnerProductLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  float* out = top[0]->mutable_data().data();
  cpu::gemm(Trans::no, transpose_ ? Trans::no : Trans::yes, rows_, outputs_, inputs_, 1.0f,
            bottom[0]->data().data(), weights().data().data(), 0.0f, out);
  if (bias_term_) {
    cpu::gemm(Trans::no, Trans::no, rows_, outputs_, 1, 1.0f, bias_multiplier_.data().data(),
              bias().data().data(), 1.0f, out);
  }
}

void InnerProductLayer::backward_cpu(Context& ctx, Tensors top,
                                     const std::vector<bool>& propagate_down, Tensors bottom) {
  const float* top_diff = top[0]->diff().data();
  const float* in = bottom[0]->data().data();
  // Parameter gradients accumulate (iter_size and shared weights rely on it).
  float* weight_diff = weights().mutable_diff().data();
  if (transpose_) {
    cpu::gemm(Trans::yes, Trans::no, inputs_, outputs_, rows_, 1.0f, in, top_diff, 1.0f,
              weight_diff);
  } else {
    cpu::gemm(Trans::yes, Trans::no, outputs_, inputs_, rows_, 1.0f, top_diff, in, 1.0f,
              weight_diff);
  }
  if (bias_term_) {
    cpu::gemv(Trans::yes, rows_, outputs_, 1.0f, top_diff, bias_multiplier_.data().data(), 1.0f,
              bias().mutable_diff().data());
  }
  if (propagate_down[0]) {
    cpu::gemm(Trans::no, transpose_ ? Trans::yes : Trans::no, rows_, inputs_, outputs_, 1.0f,
              top_diff, weights().data().data(), 0.0f, bottom[0]->mutable_diff().data());
  }
}

}  // namespace visage
