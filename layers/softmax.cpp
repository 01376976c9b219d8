#include "layers/softmax.hpp"

#include <algorithm>
#include <cmath>

namespace visage {

void SoftmaxLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const int axis = param_.softmax_param().axis();
  const int axes = bottom[0]->num_axes();
  VISAGE_LAYER_CHECK(axis >= -axes && axis < axes, "axis ", axis,
                     " is out of range for an input of shape ", bottom[0]->shape_string());
  axis_ = canonical_axis(axis, axes);
}

void SoftmaxLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() > axis_, "input of shape ", in.shape_string(), " has no axis ",
                     axis_);
  outer_ = in.count(0, axis_);
  channels_ = in.dim(axis_);
  inner_ = in.count(axis_ + 1);
  top[0]->reshape_like(in);
}

void SoftmaxLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto out = top[0]->mutable_data();
  for (int64_t o = 0; o < outer_; ++o) {
    for (int64_t i = 0; i < inner_; ++i) {
      const int64_t base = o * channels_ * inner_ + i;
      float largest = in[base];
      for (int64_t c = 1; c < channels_; ++c) largest = std::max(largest, in[base + c * inner_]);
      float sum = 0.0f;
      for (int64_t c = 0; c < channels_; ++c) {
        out[base + c * inner_] = std::exp(in[base + c * inner_] - largest);
        sum += out[base + c * inner_];
      }
      for (int64_t c = 0; c < channels_; ++c) out[base + c * inner_] /= sum;
    }
  }
}

// d x_c = y_c * (d y_c - sum_k d y_k * y_k).
void SoftmaxLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  if (!propagate_down[0]) return;
  const auto out = top[0]->data();
  const auto top_diff = top[0]->diff();
  const auto bottom_diff = bottom[0]->mutable_diff();
  for (int64_t o = 0; o < outer_; ++o) {
    for (int64_t i = 0; i < inner_; ++i) {
      const int64_t base = o * channels_ * inner_ + i;
      float dot = 0.0f;
      for (int64_t c = 0; c < channels_; ++c) {
        dot += top_diff[base + c * inner_] * out[base + c * inner_];
      }
      for (int64_t c = 0; c < channels_; ++c) {
        const int64_t k = base + c * inner_;
        bottom_diff[k] = out[k] * (top_diff[k] - dot);
      }
    }
  }
}

}  // namespace visage
