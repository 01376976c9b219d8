// Center loss (Wen et al., ECCV 2016), the usual companion of softmax for face features. Bottoms:
// features x (N x D, or N x anything: each row flattened) and one integer class label per row.
// Parameter 0: the centers c (num_output x D), filled by center_filler (zeros by default).
//   loss = 1/(2N) sum_i ||x_i - c_{y_i}||^2,   d loss / d x_i = (x_i - c_{y_i}) / N
// The centers do not follow the loss's gradient but the paper's update (its equation 4): the
// "gradient" accumulated into the centers' diff is
//   alpha * sum_{i: y_i = j} (c_j - x_i) / (1 + n_j)      (n_j: rows of class j in the batch)
// independent of the loss weight (lambda weighs the features' gradient only, as in the paper).
// The solver then applies its rule to it: with plain SGD the step is lr * lr_mult * alpha * that
// mean, so lr * lr_mult = 1 (e.g. param { lr_mult: 1/base_lr decay_mult: 0 }) gives the paper's
// c_j -= alpha * delta c_j exactly; any other lr * lr_mult simply rescales alpha.
#pragma once

#include "core/layer.hpp"

namespace visage {

class CenterLossLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "CenterLoss"; }
  Arity bottom_arity() const override { return Arity::exactly(2); }
  Arity top_arity() const override { return Arity::exactly(1); }
  bool is_loss() const override { return true; }
  bool can_backward_to(int bottom_index) const override { return bottom_index == 0; }
  void reshape(Tensors bottom, Tensors top) override;

  Tensor& centers() { return *params_[0]; }

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
  int64_t classes_ = 0;
  int64_t rows_ = 0;
  int64_t dim_ = 0;
  float alpha_ = 0.5f;
  // x_i - c_{y_i} (rows x dim) of the last forward: the loss, both gradients and the check that
  // every label is in range all come from it.
  Tensor offsets_;
};

}  // namespace visage
