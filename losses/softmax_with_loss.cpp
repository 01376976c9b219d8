#include "losses/softmax_with_loss.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace visage {

void SoftmaxWithLossLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const int axis = param_.softmax_param().axis();
  const int axes = bottom[0]->num_axes();
  VISAGE_LAYER_CHECK(axis >= -axes && axis < axes, "softmax_param.axis ", axis,
                     " is out of range for scores of shape ", bottom[0]->shape_string());
  axis_ = canonical_axis(axis, axes);

  const auto& loss = param_.loss_param();
  if (loss.has_ignore_label()) ignore_label_ = loss.ignore_label();
  if (loss.has_normalization()) {
    normalization_ = loss.normalization();
  } else if (loss.has_normalize()) {
    normalization_ =
        loss.normalize() ? proto::LossParameter::VALID : proto::LossParameter::BATCH_SIZE;
  }

  proto::LayerParameter softmax_param;
  softmax_param.set_name(name() + "/softmax");
  softmax_param.set_type("Softmax");
  softmax_param.mutable_softmax_param()->set_axis(axis_);
  softmax_ = std::make_unique<SoftmaxLayer>(softmax_param);
  Tensor* softmax_bottom[] = {bottom[0]};
  Tensor* softmax_top[] = {&prob_};
  softmax_->setup(ctx, softmax_bottom, softmax_top);
}

void SoftmaxWithLossLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& scores = *bottom[0];
  VISAGE_LAYER_CHECK(scores.num_axes() > axis_, "scores of shape ", scores.shape_string(),
                     " have no axis ", axis_);
  outer_ = scores.count(0, axis_);
  classes_ = scores.dim(axis_);
  inner_ = scores.count(axis_ + 1);
  VISAGE_LAYER_CHECK(bottom[1]->count() == outer_ * inner_, "labels of shape ",
                     bottom[1]->shape_string(), " do not fit scores of shape ",
                     scores.shape_string(), ": expected ", outer_ * inner_,
                     " labels (one per position, classes on axis ", axis_, ")");
  Tensor* softmax_bottom[] = {bottom[0]};
  Tensor* softmax_top[] = {&prob_};
  softmax_->reshape(softmax_bottom, softmax_top);
  top[0]->reshape({});
  if (top.size() > 1) {
    top[1]->reshape_like(prob_);
    top[1]->share_data(prob_);
  }
}

float SoftmaxWithLossLayer::normalizer(int64_t valid) const {
  int64_t n = 1;
  switch (normalization_) {
    case proto::LossParameter::FULL:
      n = outer_ * inner_;
      break;
    case proto::LossParameter::VALID:
      n = valid;
      break;
    case proto::LossParameter::BATCH_SIZE:
      n = outer_;
      break;
    case proto::LossParameter::NONE:
      n = 1;
      break;
  }
  return static_cast<float>(std::max<int64_t>(n, 1));
}

void SoftmaxWithLossLayer::run_softmax(Context& ctx, Tensor& scores) {
  Tensor* softmax_bottom[] = {&scores};
  Tensor* softmax_top[] = {&prob_};
  softmax_->forward(ctx, softmax_bottom, softmax_top);
}

void SoftmaxWithLossLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  run_softmax(ctx, *bottom[0]);
  const auto prob = prob_.data();
  const auto labels = bottom[1]->data();
  double loss = 0;
  int64_t valid = 0;
  for (int64_t o = 0; o < outer_; ++o) {
    for (int64_t i = 0; i < inner_; ++i) {
      const int64_t position = o * inner_ + i;
      const int label = static_cast<int>(labels[position]);
      if (ignore_label_ && label == *ignore_label_) continue;
      VISAGE_LAYER_CHECK(label >= 0 && label < classes_, "label ", labels[position],
                         " at position ", position, " is out of range for ", classes_, " classes");
      const float p = prob[(o * classes_ + label) * inner_ + i];
      loss -= std::log(std::max(p, FLT_MIN));
      ++valid;
    }
  }
  valid_count_ = valid;
  top[0]->mutable_data()[0] = static_cast<float>(loss / normalizer(valid));
}

// d loss / d score_c = (p_c - [c == label]) * loss weight / normalizer.
void SoftmaxWithLossLayer::backward_cpu(Context& ctx, Tensors top,
                                        const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  if (!propagate_down[0]) return;
  const auto prob = prob_.data();
  const auto labels = bottom[1]->data();
  const auto diff = bottom[0]->mutable_diff();
  const float scale = top[0]->diff()[0] / normalizer(valid_count_);
  for (int64_t o = 0; o < outer_; ++o) {
    for (int64_t i = 0; i < inner_; ++i) {
      const int label = static_cast<int>(labels[o * inner_ + i]);
      const bool ignored = ignore_label_ && label == *ignore_label_;
      for (int64_t c = 0; c < classes_; ++c) {
        const int64_t k = (o * classes_ + c) * inner_ + i;
        diff[k] = ignored ? 0.0f : scale * (prob[k] - (c == label ? 1.0f : 0.0f));
      }
    }
  }
}

}  // namespace visage
