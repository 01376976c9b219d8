#include "losses/triplet_loss.hpp"

#include <algorithm>

namespace visage {

void TripletLossLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.triplet_loss_param();
  VISAGE_LAYER_CHECK(p.margin() >= 0, "triplet_loss_param.margin must be non-negative, got ",
                     p.margin());
  margin_ = p.margin();
  mining_ = p.mining();
  distance_ = p.distance();
}

std::vector<std::string> TripletLossLayer::top_value_names(int top_index) const {
  if (top_index != 1) return {};
  return triplet::stat_names();
}

void TripletLossLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& embeddings = *bottom[0];
  VISAGE_LAYER_CHECK(embeddings.num_axes() >= 2 && embeddings.dim(0) > 0,
                     "embeddings must be N x D with N > 0, got shape ", embeddings.shape_string());
  num_ = embeddings.dim(0);
  dim_ = embeddings.count(1);
  VISAGE_LAYER_CHECK(bottom[1]->count() == num_, "labels of shape ", bottom[1]->shape_string(),
                     " do not fit embeddings of shape ", embeddings.shape_string(), ": expected ",
                     num_, " labels (one per embedding)");
  dist_.reshape({num_, num_});
  squared_norms_.reshape({num_});
  coefficients_.reshape({num_, num_});
  weights_.reshape({num_, num_});
  diagonal_.reshape({num_});
  partials_.reshape({num_, triplet::kNumSums});
  gpu_normalizer_.reshape({1});
  top[0]->reshape({});
  if (top.size() > 1) top[1]->reshape({triplet::kNumStats});
}

void TripletLossLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  triplet::pairwise_distances(bottom[0]->data(), num_, dim_, distance_, dist_.mutable_data(),
                              squared_norms_.mutable_data());
  mined_.clear();
  const triplet::Summary summary =
      triplet::summarize(triplet::mine(dist_.data(), bottom[1]->data(), num_, margin_, mining_,
                                       coefficients_.mutable_data(), mined_),
                         mining_);
  normalizer_ = summary.normalizer;
  top[0]->mutable_data()[0] = summary.loss;
  if (top.size() > 1) std::ranges::copy(summary.stats, top[1]->mutable_data().begin());
}

void TripletLossLayer::backward_cpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  VISAGE_LAYER_CHECK(!propagate_down[1], "cannot back-propagate to the labels");
  if (!propagate_down[0]) return;
  const float scale = top[0]->diff()[0] / normalizer_;
  triplet::embedding_gradient(bottom[0]->data(), num_, dim_, distance_, dist_.data(),
                              squared_norms_.data(), coefficients_.data(), scale,
                              weights_.mutable_data(), bottom[0]->mutable_diff());
}

}  // namespace visage
