// Classification accuracy (Caffe's Accuracy): the fraction of non-ignored positions whose label is
// among the top_k scores; ties count against the label, so a constant prediction scores nothing.
// Bottoms: scores (outer x classes x inner, classes on `axis`) and one label per position.
// Top 0: the accuracy; optional top 1: the accuracy per class (0 for classes never seen).
// Evaluation only: no gradient flows through it and it is not a loss.
#pragma once

#include <optional>

#include "core/layer.hpp"

namespace visage {

class AccuracyLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Accuracy"; }
  Arity bottom_arity() const override { return Arity::exactly(2); }
  Arity top_arity() const override { return Arity::between(1, 2); }
  bool can_backward_to(int bottom_index) const override { return false; }
  void reshape(Tensors bottom, Tensors top) override;

 protected:
  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context& ctx, Tensors bottom, Tensors top) override;
  void backward_cpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#if VISAGE_WITH_CUDA
  void forward_gpu(Context& ctx, Tensors bottom, Tensors top) override;
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#endif

 private:
  int axis_ = 1;
  int64_t top_k_ = 1;
  int64_t outer_ = 0;
  int64_t classes_ = 0;
  int64_t inner_ = 0;
  std::optional<int> ignore_label_;
  // GPU: whether each position was counted (data) and predicted correctly (diff).
  Tensor per_position_;
};

}  // namespace visage
