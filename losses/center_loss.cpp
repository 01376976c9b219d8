#include "losses/center_loss.hpp"

#include <algorithm>
#include <vector>

#include "core/filler.hpp"

namespace visage {

void CenterLossLayer::configure(Context& ctx, Tensors bottom, Tensors) {
  const auto& p = param_.center_loss_param();
  VISAGE_LAYER_CHECK(p.num_output() > 0,
                     "center_loss_param.num_output (the number of classes) "
                     "must be > 0");
  VISAGE_LAYER_CHECK(bottom[0]->num_axes() >= 1, "the features need a batch axis");
  with_context(describe() + ": center_filler", [&] { validate_filler(p.center_filler()); });
  classes_ = p.num_output();
  alpha_ = p.alpha();
  dim_ = bottom[0]->count(1);
  params_.clear();
  params_.push_back(std::make_shared<Tensor>(Shape{classes_, dim_}));
  fill(p.center_filler(), centers(), ctx.rng());
}

void CenterLossLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& features = *bottom[0];
  VISAGE_LAYER_CHECK(features.num_axes() >= 1 && features.count(1) == dim_, "features of shape ",
                     features.shape_string(), " do not have ", dim_,
                     " values per row, the size of the centers");
  rows_ = features.dim(0);
  VISAGE_LAYER_CHECK(bottom[1]->count() == rows_, "labels of shape ", bottom[1]->shape_string(),
                     " do not fit features of shape ", features.shape_string(),
                     ": expected one label per row (", rows_, ")");
  offsets_.reshape({rows_, dim_});
  top[0]->reshape({});
}

void CenterLossLayer::forward_cpu(Context&, Tensors bottom, Tensors top) {
  const float* x = bottom[0]->data().data();
  const auto labels = bottom[1]->data();
  const float* c = centers().data().data();
  float* offsets = offsets_.mutable_data().data();
  double loss = 0;
  for (int64_t i = 0; i < rows_; ++i) {
    const auto label = static_cast<int64_t>(labels[i]);
    VISAGE_LAYER_CHECK(label >= 0 && label < classes_, "label ", labels[i], " at row ", i,
                       " is out of range for ", classes_, " centers");
    for (int64_t k = 0; k < dim_; ++k) {
      const float offset = x[i * dim_ + k] - c[label * dim_ + k];
      offsets[i * dim_ + k] = offset;
      loss += static_cast<double>(offset) * offset;
    }
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / (2.0 * std::max<int64_t>(rows_, 1)));
}

void CenterLossLayer::backward_cpu(Context&, Tensors top, const std::vector<bool>& propagate_down,
                                   Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  const auto offsets = offsets_.data();
  if (propagate_down[0]) {
    const float scale = top[0]->diff()[0] / static_cast<float>(std::max<int64_t>(rows_, 1));
    const auto diff = bottom[0]->mutable_diff();
    for (size_t k = 0; k < diff.size(); ++k) diff[k] = scale * offsets[k];
  }
  // Center j gets alpha / (1 + n_j) * sum over its rows of (c_j - x_i) = -offset_i, added to
  // whatever the diff holds (parameter gradients accumulate over iter_size).
  const auto labels = bottom[1]->data();
  std::vector<int64_t> rows_of_class(static_cast<size_t>(classes_), 0);
  for (int64_t i = 0; i < rows_; ++i) ++rows_of_class[static_cast<size_t>(labels[i])];
  float* center_diff = centers().mutable_diff().data();
  for (int64_t i = 0; i < rows_; ++i) {
    const auto j = static_cast<int64_t>(labels[i]);
    const float scale = alpha_ / static_cast<float>(1 + rows_of_class[static_cast<size_t>(j)]);
    for (int64_t k = 0; k < dim_; ++k) center_diff[j * dim_ + k] -= scale * offsets[i * dim_ + k];
  }
}

}  // namespace visage
