#include "layers/accuracy.hpp"

#include <algorithm>

namespace visage {

void AccuracyLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.accuracy_param();
  const int axes = bottom[0]->num_axes();
  VISAGE_LAYER_CHECK(p.axis() >= -axes && p.axis() < axes, "axis ", p.axis(),
                     " is out of range for scores of shape ", bottom[0]->shape_string());
  axis_ = canonical_axis(p.axis(), axes);
  VISAGE_LAYER_CHECK(p.top_k() >= 1, "top_k must be at least 1, got ", p.top_k());
  top_k_ = p.top_k();
  if (p.has_ignore_label()) ignore_label_ = p.ignore_label();
}

void AccuracyLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& scores = *bottom[0];
  VISAGE_LAYER_CHECK(scores.num_axes() > axis_, "scores of shape ", scores.shape_string(),
                     " have no axis ", axis_);
  outer_ = scores.count(0, axis_);
  classes_ = scores.dim(axis_);
  inner_ = scores.count(axis_ + 1);
  VISAGE_LAYER_CHECK(top_k_ <= classes_, "top_k ", top_k_, " exceeds the ", classes_,
                     " classes of scores of shape ", scores.shape_string());
  VISAGE_LAYER_CHECK(bottom[1]->count() == outer_ * inner_, "labels of shape ",
                     bottom[1]->shape_string(), " do not fit scores of shape ",
                     scores.shape_string(), ": expected ", outer_ * inner_,
                     " labels (one per position, classes on axis ", axis_, ")");
  top[0]->reshape({});
  if (top.size() > 1) top[1]->reshape({classes_});
}

void AccuracyLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto scores = bottom[0]->data();
  const auto labels = bottom[1]->data();
  std::vector<int64_t> seen(classes_, 0);
  std::vector<int64_t> hits(classes_, 0);
  int64_t counted = 0;
  int64_t correct = 0;
  for (int64_t o = 0; o < outer_; ++o) {
    for (int64_t i = 0; i < inner_; ++i) {
      const int64_t position = o * inner_ + i;
      const int label = static_cast<int>(labels[position]);
      if (ignore_label_ && label == *ignore_label_) continue;
      VISAGE_LAYER_CHECK(label >= 0 && label < classes_, "label ", labels[position],
                         " at position ", position, " is out of range for ", classes_, " classes");
      const auto score = [&](int64_t c) { return scores[(o * classes_ + c) * inner_ + i]; };
      const float truth = score(label);
      int64_t rivals = 0;  // other classes scoring at least as high as the label
      for (int64_t c = 0; c < classes_ && rivals < top_k_; ++c) {
        if (c != label && score(c) >= truth) ++rivals;
      }
      const bool hit = rivals < top_k_;
      ++counted;
      ++seen[label];
      if (hit) {
        ++correct;
        ++hits[label];
      }
    }
  }
  top[0]->mutable_data()[0] = counted > 0 ? static_cast<float>(correct) / counted : 0.0f;
  if (top.size() > 1) {
    const auto per_class = top[1]->mutable_data();
    for (int64_t c = 0; c < classes_; ++c) {
      per_class[c] = seen[c] > 0 ? static_cast<float>(hits[c]) / seen[c] : 0.0f;
    }
  }
}

}  // namespace visage
