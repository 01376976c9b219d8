// Triplet loss with online mining (FaceNet, Schroff et al. 2015). Bottoms: embeddings (N x D,
// normally L2-normalised) and one integer identity label per row. Top 0: the loss,
//   mean over the used triplets of max(0, d(a,p) - d(a,n) + margin),
// where FaceNet sums instead; the divisor is the number of mined triplets for SEMI_HARD and HARD
// (pairs or anchors that have a negative, whether their hinge is positive or not) and the number
// of active triplets (positive hinge) for ALL. Optional top 1: the mining statistics of
// losses/triplet_mining.hpp (Stat), for the progress log; no gradient flows through it.
//
// Mining, from one pairwise distance matrix of the batch (a GEMM):
//   SEMI_HARD: every anchor-positive pair takes the closest negative farther than the positive,
//     i.e. the hardest semi-hard one, d(a,p) < d(a,n) < d(a,p) + margin, when there is one. A pair
//     without semi-hard negatives then gets an easy one (d(a,n) >= d(a,p) + margin, zero loss: the
//     pair is satisfied and counts in the mean as such). A pair whose every negative is at most as
//     far as the positive takes the farthest of them, the least hard of the hard negatives: its
//     violation stays in the loss without the collapse that hardest negatives cause early in
//     training (FaceNet, section 3.2). A pair is skipped only when the batch has no negative.
//   HARD: per anchor, the farthest positive and the closest negative.
//   ALL: every valid triplet; the mean is over those with a positive hinge.
// Ties go to the lowest index. The mining of a forward is kept for the following backward.
#pragma once

#include <string>
#include <vector>

#include "core/layer.hpp"
#include "losses/triplet_mining.hpp"

namespace visage {

class TripletLossLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "TripletLoss"; }
  Arity bottom_arity() const override { return Arity::exactly(2); }
  Arity top_arity() const override { return Arity::between(1, 2); }
  bool is_loss() const override { return true; }
  bool can_backward_to(int bottom_index) const override { return bottom_index == 0; }
  void reshape(Tensors bottom, Tensors top) override;
  std::vector<std::string> top_value_names(int top_index) const override;

  // The triplets the last CPU forward chose (SEMI_HARD and HARD; empty for ALL).
  const std::vector<triplet::Triplet>& mined_triplets() const { return mined_; }

 protected:
  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context& ctx, Tensors bottom, Tensors top) override;
  void backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                    Tensors bottom) override;
#if VISAGE_WITH_CUDA
  void forward_gpu(Context& ctx, Tensors bottom, Tensors top) override;
  void backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                    Tensors bottom) override;
#endif

 private:
  float margin_ = 0.2f;
  triplet::Mining mining_ = proto::TripletLossParameter::SEMI_HARD;
  triplet::Distance distance_ = proto::TripletLossParameter::SQUARED_L2;
  int64_t num_ = 0;
  int64_t dim_ = 0;
  Tensor dist_;           // N x N pairwise distances
  Tensor squared_norms_;  // N: the Gram matrix's diagonal
  Tensor coefficients_;   // N x N, see losses/triplet_mining.hpp
  Tensor weights_;        // N x N backward scratch
  Tensor diagonal_;       // N backward scratch (GPU)
  std::vector<triplet::Triplet> mined_;
  float normalizer_ = 1.0f;  // of the last CPU forward
  // Data-parallel runs: every rank's batch, gathered (see gather_global_batch), on the device
  // where the communicator gathers device memory (NCCL).
  void reshape_for_global_batch(int ranks);
  void gather_global_batch(Context& ctx, Tensors bottom);
  void gather_global_batch_on_device(Context& ctx, Tensors bottom);
  int64_t global_num_ = 0;
  Tensor global_embeddings_;
  Tensor global_labels_;
  Tensor global_diff_;
  // GPU: per-anchor partial tallies and the normaliser, kept on the device so that neither pass
  // waits for the host.
  Tensor partials_;
  Tensor gpu_normalizer_;
};

}  // namespace visage
