#include "losses/margin_softmax_loss.hpp"

#include <cmath>
#include <numbers>

#include "core/filler.hpp"
#include "core/math.hpp"

namespace visage {
namespace {

// The papers' margins: CosFace's m = 0.35, ArcFace's m = 0.5.
constexpr float kDefaultCosineMargin = 0.35f;
constexpr float kDefaultArcMargin = 0.5f;

proto::FillerParameter weight_filler(const proto::MarginSoftmaxLossParameter& p) {
  if (p.has_weight_filler()) return p.weight_filler();
  proto::FillerParameter gaussian;
  gaussian.set_type("gaussian");
  gaussian.set_std(1.0f);
  return gaussian;
}

}  // namespace

void MarginSoftmaxLossLayer::configure(Context& ctx, Tensors bottom, Tensors) {
  const auto& p = param_.margin_softmax_loss_param();
  VISAGE_LAYER_CHECK(p.num_output() > 0,
                     "margin_softmax_loss_param.num_output (the number of classes) must be > 0");
  classes_ = p.num_output();

  const bool arc = p.type() == proto::MarginSoftmaxLossParameter::ARC;
  const float m = p.has_margin() ? p.margin() : (arc ? kDefaultArcMargin : kDefaultCosineMargin);
  VISAGE_LAYER_CHECK(std::isfinite(m) && m >= 0,
                     "margin_softmax_loss_param.margin must be finite and >= 0, got ", m);
  VISAGE_LAYER_CHECK(!arc || m <= std::numbers::pi_v<float> / 2,
                     "margin_softmax_loss_param.margin ", m,
                     " is above pi/2 for ARC: the true class's cos(theta + m) would stay below an "
                     "orthogonal class's cosine 0 even at theta = 0");
  margin_ = margin_softmax::make_margin(arc, m);

  if (p.has_scale()) {
    VISAGE_LAYER_CHECK(std::isfinite(p.scale()) && p.scale() > 0,
                       "margin_softmax_loss_param.scale must be finite and > 0, got ", p.scale());
    scale_ = p.scale();
  } else {
    VISAGE_LAYER_CHECK(classes_ >= 3,
                       "the default scale sqrt(2) ln(C - 1) needs C >= 3 classes, "
                       "num_output is ",
                       classes_, ": set margin_softmax_loss_param.scale");
    scale_ = static_cast<float>(std::numbers::sqrt2 * std::log(static_cast<double>(classes_ - 1)));
  }

  VISAGE_LAYER_CHECK(bottom[0]->num_axes() >= 2 && bottom[0]->count(1) > 0,
                     "the embeddings must be N x D with D > 0, got shape ",
                     bottom[0]->shape_string());
  dim_ = bottom[0]->count(1);
  const proto::FillerParameter filler = weight_filler(p);
  with_context(describe() + ": weight_filler", [&] { validate_filler(filler); });
  params_.clear();
  params_.push_back(std::make_shared<Tensor>(Shape{classes_, dim_}));
  fill(filler, class_weights(), ctx.rng());
}

std::vector<std::string> MarginSoftmaxLossLayer::top_value_names(int top_index) const {
  if (top_index != 1) return {};
  return {"accuracy", "mean_target_cosine"};
}

void MarginSoftmaxLossLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& embeddings = *bottom[0];
  VISAGE_LAYER_CHECK(
      embeddings.num_axes() >= 2 && embeddings.dim(0) > 0 && embeddings.count(1) == dim_,
      "embeddings of shape ", embeddings.shape_string(), " are not N x ", dim_,
      " with N > 0 (the class matrix has ", dim_, " columns)");
  rows_ = embeddings.dim(0);
  VISAGE_LAYER_CHECK(bottom[1]->count() == rows_, "labels of shape ", bottom[1]->shape_string(),
                     " do not fit embeddings of shape ", embeddings.shape_string(),
                     ": expected one label per row (", rows_, ")");
  unit_embeddings_.reshape({rows_, dim_});
  embedding_inverse_norms_.reshape({rows_});
  unit_weights_.reshape({classes_, dim_});
  weight_inverse_norms_.reshape({classes_});
  cosines_.reshape({rows_, classes_});
  prob_.reshape({rows_, classes_});
  row_stats_.reshape({rows_, 3});
  top[0]->reshape({});
  if (top.size() > 1) top[1]->reshape({2});
}

void MarginSoftmaxLossLayer::forward_cpu(Context&, Tensors bottom, Tensors top) {
  using namespace margin_softmax;
  const auto labels = bottom[1]->data();
  for (int64_t i = 0; i < rows_; ++i) {
    const auto label = static_cast<int64_t>(labels[i]);
    VISAGE_LAYER_CHECK(label >= 0 && label < classes_, "label ", labels[i], " at row ", i,
                       " is out of range for ", classes_, " classes");
  }
  const float* x = bottom[0]->data().data();
  const float* weights = class_weights().data().data();
  float* u = unit_embeddings_.mutable_data().data();
  float* w = unit_weights_.mutable_data().data();
  float* embedding_inverse_norms = embedding_inverse_norms_.mutable_data().data();
  float* weight_inverse_norms = weight_inverse_norms_.mutable_data().data();
  for (int64_t i = 0; i < rows_; ++i) {
    embedding_inverse_norms[i] = normalize_row(x + i * dim_, dim_, u + i * dim_);
  }
  for (int64_t j = 0; j < classes_; ++j) {
    weight_inverse_norms[j] = normalize_row(weights + j * dim_, dim_, w + j * dim_);
  }
  float* cosines = cosines_.mutable_data().data();
  cpu::gemm(cpu::Trans::no, cpu::Trans::yes, rows_, classes_, dim_, 1.0f, u, w, 0.0f, cosines);

  float* prob = prob_.mutable_data().data();
  double loss = 0;
  double correct = 0;
  double target_cosine = 0;
  for (int64_t i = 0; i < rows_; ++i) {
    const auto label = static_cast<int64_t>(labels[i]);
    const float* row = cosines + i * classes_;
    loss += row_loss(row, classes_, label, margin_, scale_, prob + i * classes_);
    correct += nearest_class(row, classes_) == label ? 1 : 0;
    target_cosine += row[label];
  }
  const auto rows = static_cast<double>(rows_);
  top[0]->mutable_data()[0] = static_cast<float>(loss / rows);
  if (top.size() > 1) {
    const auto stats = top[1]->mutable_data();
    stats[0] = static_cast<float>(correct / rows);
    stats[1] = static_cast<float>(target_cosine / rows);
  }
}

void MarginSoftmaxLossLayer::backward_cpu(Context&, Tensors top,
                                          const std::vector<bool>& propagate_down, Tensors bottom) {
  using namespace margin_softmax;
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  const auto labels = bottom[1]->data();
  const float* cosines = cosines_.data().data();
  const float* prob = prob_.data().data();
  const float weight = top[0]->diff()[0] / static_cast<float>(rows_);
  float* gradient = prob_.mutable_diff().data();
  for (int64_t i = 0; i < rows_; ++i) {
    const auto label = static_cast<int64_t>(labels[i]);
    for (int64_t j = 0; j < classes_; ++j) {
      const int64_t e = i * classes_ + j;
      gradient[e] = cosine_gradient(prob[e], cosines[e], j == label, margin_, scale_, weight);
    }
  }
  // sum_j G_ij cos_ij per row and sum_i G_ij cos_ij per class.
  float* row_dots = embedding_inverse_norms_.mutable_diff().data();
  for (int64_t i = 0; i < rows_; ++i) {
    row_dots[i] = strided_dot(gradient + i * classes_, cosines + i * classes_, classes_, 1);
  }
  float* class_dots = weight_inverse_norms_.mutable_diff().data();
  for (int64_t j = 0; j < classes_; ++j) {
    class_dots[j] = strided_dot(gradient + j, cosines + j, rows_, classes_);
  }

  const float* u = unit_embeddings_.data().data();
  const float* w = unit_weights_.data().data();
  if (propagate_down[0]) {
    float* projected = unit_embeddings_.mutable_diff().data();
    cpu::gemm(cpu::Trans::no, cpu::Trans::no, rows_, dim_, classes_, 1.0f, gradient, w, 0.0f,
              projected);
    const float* inverse_norms = embedding_inverse_norms_.data().data();
    float* diff = bottom[0]->mutable_diff().data();
    for (int64_t e = 0; e < rows_ * dim_; ++e) {
      const int64_t i = e / dim_;
      diff[e] = through_normalization(projected[e], row_dots[i], u[e], inverse_norms[i]);
    }
  }
  float* projected = unit_weights_.mutable_diff().data();
  cpu::gemm(cpu::Trans::yes, cpu::Trans::no, classes_, dim_, rows_, 1.0f, gradient, u, 0.0f,
            projected);
  const float* inverse_norms = weight_inverse_norms_.data().data();
  float* weight_diff = class_weights().mutable_diff().data();
  for (int64_t e = 0; e < classes_ * dim_; ++e) {
    const int64_t j = e / dim_;
    weight_diff[e] += through_normalization(projected[e], class_dots[j], w[e], inverse_norms[j]);
  }
}

}  // namespace visage
