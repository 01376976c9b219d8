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

// In a data-parallel run the ranks' embeddings and labels are gathered, rank after rank, into
// the global batch that one process would have had: every rank mines the same triplets on it
// (FaceNet mined across batches of 1,800), computes the global loss, and back-propagates its own
// rows' share of the global gradient, including the terms where its embeddings are another
// rank's positives or negatives.
void TripletLossLayer::gather_global_batch(Context& ctx, Tensors bottom) {
  Communicator& comm = *ctx.communicator();
  reshape_for_global_batch(comm.size());
  comm.all_gather(bottom[0]->data(), global_embeddings_.mutable_data());
  comm.all_gather(bottom[1]->data(), global_labels_.mutable_data());
}

void TripletLossLayer::reshape_for_global_batch(int ranks) {
  global_num_ = num_ * ranks;
  global_embeddings_.reshape({global_num_, dim_});
  global_labels_.reshape({global_num_});
  dist_.reshape({global_num_, global_num_});
  squared_norms_.reshape({global_num_});
  coefficients_.reshape({global_num_, global_num_});
  weights_.reshape({global_num_, global_num_});
  diagonal_.reshape({global_num_});
  partials_.reshape({global_num_, triplet::kNumSums});
}

void TripletLossLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const bool global = ctx.data_parallel();
  if (global) gather_global_batch(ctx, bottom);
  const std::span<const float> embeddings = global ? global_embeddings_.data() : bottom[0]->data();
  const std::span<const float> labels = global ? global_labels_.data() : bottom[1]->data();
  const int64_t n = global ? global_num_ : num_;
  triplet::pairwise_distances(embeddings, n, dim_, distance_, dist_.mutable_data(),
                              squared_norms_.mutable_data());
  mined_.clear();
  const triplet::Summary summary =
      triplet::summarize(triplet::mine(dist_.data(), labels, n, margin_, mining_,
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
  if (!ctx.data_parallel()) {
    triplet::embedding_gradient(bottom[0]->data(), num_, dim_, distance_, dist_.data(),
                                squared_norms_.data(), coefficients_.data(), scale,
                                weights_.mutable_data(), bottom[0]->mutable_diff());
    return;
  }
  // The global gradient, of which this rank keeps its rows. The solver averages the ranks'
  // parameter gradients, so the rows are scaled by the world size: the average then equals the
  // global loss's gradient, as a softmax loss's local means average to the global mean.
  global_diff_.reshape({global_num_, dim_});
  triplet::embedding_gradient(global_embeddings_.data(), global_num_, dim_, distance_, dist_.data(),
                              squared_norms_.data(), coefficients_.data(),
                              scale * static_cast<float>(ctx.world_size()), weights_.mutable_data(),
                              global_diff_.mutable_diff());
  const auto mine = global_diff_.diff().subspan(static_cast<size_t>(ctx.rank() * num_ * dim_),
                                                static_cast<size_t>(num_ * dim_));
  std::ranges::copy(mine, bottom[0]->mutable_diff().begin());
}

}  // namespace visage
