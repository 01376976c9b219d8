#include "losses/contrastive_loss.hpp"

#include <algorithm>

namespace visage {

void ContrastiveLossLayer::configure(Context&, Tensors, Tensors) {
  const auto& p = param_.contrastive_loss_param();
  VISAGE_LAYER_CHECK(p.margin() >= 0, "contrastive_loss_param.margin must be >= 0, got ",
                     p.margin());
  pair_ = ContrastivePair{p.margin(), p.legacy_version()};
}

void ContrastiveLossLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& a = *bottom[0];
  VISAGE_LAYER_CHECK(a.num_axes() >= 1, "bottom 'a' must have a batch axis");
  VISAGE_LAYER_CHECK(bottom[1]->shape() == a.shape(), "bottoms 'a' ", a.shape_string(), " and 'b' ",
                     bottom[1]->shape_string(), " must have the same shape");
  pairs_ = a.dim(0);
  dim_ = a.count(1);
  VISAGE_LAYER_CHECK(bottom[2]->count() == pairs_, "the similarity bottom has ", bottom[2]->count(),
                     " values for ", pairs_, " pairs (shape ", bottom[2]->shape_string(), ")");
  distances_.reshape({pairs_});
  top[0]->reshape({});
}

void ContrastiveLossLayer::forward_cpu(Context&, Tensors bottom, Tensors top) {
  const float* a = bottom[0]->data().data();
  const float* b = bottom[1]->data().data();
  const auto similar = bottom[2]->data();
  const auto distances = distances_.mutable_data();
  double loss = 0;
  for (int64_t i = 0; i < pairs_; ++i) {
    float sum = 0;
    for (int64_t k = i * dim_; k < (i + 1) * dim_; ++k) sum += (a[k] - b[k]) * (a[k] - b[k]);
    distances[i] = sum;
    loss += pair_.loss(sum, similar[i] != 0);
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / (2.0 * std::max<int64_t>(pairs_, 1)));
}

void ContrastiveLossLayer::backward_cpu(Context&, Tensors top,
                                        const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[2], "cannot back-propagate to the similarity labels");
  const float* a = bottom[0]->data().data();
  const float* b = bottom[1]->data().data();
  const auto similar = bottom[2]->data();
  const auto distances = distances_.data();
  // The 2 of each pair's derivative meets the 1/(2N): per pair, top_diff / (2N) * coefficient.
  const float scale = top[0]->diff()[0] / (2.0f * static_cast<float>(std::max<int64_t>(pairs_, 1)));
  for (int side = 0; side < 2; ++side) {
    if (!propagate_down[side]) continue;
    const float sign = side == 0 ? scale : -scale;
    float* diff = bottom[side]->mutable_diff().data();
    for (int64_t i = 0; i < pairs_; ++i) {
      const float c = sign * pair_.coefficient(distances[i], similar[i] != 0);
      for (int64_t k = i * dim_; k < (i + 1) * dim_; ++k) diff[k] = c * (a[k] - b[k]);
    }
  }
}

}  // namespace visage
