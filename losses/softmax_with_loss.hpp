// Softmax followed by the multinomial logistic loss, fused for a numerically stable gradient
// (Caffe's SoftmaxWithLoss). Bottoms: scores (outer x classes x inner, classes on
// softmax_param.axis) and one integer label per (outer, inner) position. Top 0: the loss, divided
// by the loss_param normalization (VALID by default; legacy `normalize: false` means BATCH_SIZE).
// Optional top 1: the probabilities (no gradient flows back through it, as in Caffe). Positions
// labelled loss_param.ignore_label contribute neither loss nor gradient.
#pragma once

#include <memory>
#include <optional>

#include "core/layer.hpp"
#include "layers/softmax.hpp"

namespace visage {

class SoftmaxWithLossLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "SoftmaxWithLoss"; }
  Arity bottom_arity() const override { return Arity::exactly(2); }
  Arity top_arity() const override { return Arity::between(1, 2); }
  bool is_loss() const override { return true; }
  bool can_backward_to(int bottom_index) const override { return bottom_index == 0; }
  void reshape(Tensors bottom, Tensors top) override;

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
  // The divisor of the summed loss for `valid` non-ignored positions (at least 1).
  float normalizer(int64_t valid) const;
  void run_softmax(Context& ctx, Tensor& scores);

  std::unique_ptr<SoftmaxLayer> softmax_;
  Tensor prob_;
  int axis_ = 1;
  int64_t outer_ = 0;
  int64_t classes_ = 0;
  int64_t inner_ = 0;
  std::optional<int> ignore_label_;
  proto::LossParameter::NormalizationMode normalization_ = proto::LossParameter::VALID;
  int64_t valid_count_ = 0;  // of the last CPU forward
  // GPU: per-position loss (data) and validity (diff), and the normalizer the forward used, kept
  // on the device so that neither pass waits for the host.
  Tensor per_position_;
  Tensor gpu_normalizer_;
};

}  // namespace visage
