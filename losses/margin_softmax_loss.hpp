// Margin-based softmax over cosines: CosFace (Wang et al. 2018, "additive cosine margin") and
// ArcFace (Deng et al. 2019, "additive angular margin"). Bottoms: the embeddings x (N x D, or
// N x anything: each row flattened) and one integer class label y_i per row. Parameter 0: the class
// matrix W (C x D, margin_softmax_loss_param.num_output = C rows).
//
// Forward, with u_i = x_i / |x_i|, w_j = W_j / |W_j| and cos_ij = u_i . w_j:
//   z_ij = s cos_ij (j != y_i),   z_iy = s psi(cos_iy),   loss = 1/N sum_i -log softmax(z_i)_{y_i}
// where psi(c) = c - m (COSINE) or cos(acos(c) + m) with a linear fallback past theta + m = pi
// (ARC; losses/margin_softmax_math.hpp states it exactly). s is margin_softmax_loss_param.scale,
// by default AdaCos's fixed sqrt(2) ln(C - 1) (Zhang et al. 2019), the scale at which the target
// probability responds most to angles around pi/4: about 10.3 for 1,450 classes, where the usual
// s = 64, the papers' value for tens of thousands of classes, is too large for so few classes by
// AdaCos's analysis (not measured here).
//
// Backward, with g the top's gradient (the loss_weight), p_i = softmax(z_i) and
// G_ij = g d loss / d cos_ij = (g s / N) (p_ij - [j = y_i]) (times psi'(cos_iy) for j = y_i), and
// the chain rule through both normalisations:
//   d / d x_i  = (sum_j G_ij w_j - (sum_j G_ij cos_ij) u_i) / |x_i|
//   d / d W_j += (sum_i G_ij u_i - (sum_i G_ij cos_ij) w_j) / |W_j|
// (parameter gradients accumulate, as every layer's do, over iter_size).
//
// Optional top 1: [accuracy, mean target cosine], the fraction of rows whose largest cosine is
// their own class's (no margin: the test-time decision) and the mean cos(theta_y). No gradient
// flows back through it.
#pragma once

#include <string>
#include <vector>

#include "core/layer.hpp"
#include "losses/margin_softmax_math.hpp"

namespace visage {

class MarginSoftmaxLossLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "MarginSoftmaxLoss"; }
  Arity bottom_arity() const override { return Arity::exactly(2); }
  Arity top_arity() const override { return Arity::between(1, 2); }
  bool is_loss() const override { return true; }
  bool can_backward_to(int bottom_index) const override { return bottom_index == 0; }
  void reshape(Tensors bottom, Tensors top) override;
  std::vector<std::string> top_value_names(int top_index) const override;

  Tensor& class_weights() { return *params_[0]; }
  float scale() const { return scale_; }
  float margin() const { return margin_.m; }

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
  float scale_ = 1.0f;
  margin_softmax::Margin margin_;
  // Of the last forward, for backward. The diffs are backward's scratch: unit_embeddings_' diff
  // holds sum_j G_ij w_j, unit_weights_' diff sum_i G_ij u_i, the inverse norms' diffs the dots
  // sum_j G_ij cos_ij (per row) and sum_i G_ij cos_ij (per class), prob_'s diff G itself.
  Tensor unit_embeddings_;          // rows x dim: u_i
  Tensor embedding_inverse_norms_;  // rows: 1 / |x_i|
  Tensor unit_weights_;             // classes x dim: w_j
  Tensor weight_inverse_norms_;     // classes: 1 / |W_j|
  Tensor cosines_;                  // rows x classes: cos_ij
  Tensor prob_;                     // rows x classes: softmax(z_i)
  // GPU: per row its loss, whether its nearest class is its own and its target cosine, summed on
  // the device so that the forward never waits for the host.
  Tensor row_stats_;
};

}  // namespace visage
