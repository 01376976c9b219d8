// Caffe's Scale: top = bottom * s (+ b with scale_param.bias_term), s broadcast over the input
// axes [axis, axis + rank(s)) (layers/broadcast_axes.hpp). With one bottom, s is a learned
// parameter covering num_axes axes from axis (filler default constant 1); with two, s is bottom[1]
// and receives the gradient. Parameters: [s, b] with one bottom, [b] with two, as in Caffe.
// A learned per-channel Scale right after an in-place BatchNorm (Caffe's pair) runs that
// BatchNorm's CPU backward inside its own: the gradient it would hand down, dy * s, is summed for
// BatchNorm where it is made and never stored (five traversals of activation-sized arrays instead
// of eight). `visage time` then shows BatchNorm's backward as 0 and counts it in Scale's.
#pragma once

#include "core/layer.hpp"
#include "layers/batch_norm.hpp"
#include "layers/broadcast_axes.hpp"

namespace visage {

class ScaleLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Scale"; }
  Arity bottom_arity() const override { return Arity::between(1, 2); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;
  bool fuse_relu() override {
    relu_ = true;
    return true;
  }
  bool absorb_backward_of(Layer& producer) override;

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
  bool learned_scale(Tensors bottom) const { return bottom.size() == 1; }
  Tensor& scale(Tensors bottom) { return learned_scale(bottom) ? *params_[0] : *bottom[1]; }
  // nullptr without bias_term.
  const float* bias_on(const Context& ctx, Tensors bottom);
  // backward_cpu with the BatchNorm before it (absorb_backward_of).
  void backward_with_batch_norm_cpu(Tensors top, const std::vector<bool>& propagate_down,
                                    Tensors bottom);

  bool bias_term_ = false;
  bool per_channel_param_ = false;  // one bottom, s learned over axis 1 alone
  // The in-place BatchNorm before it whose CPU backward this layer runs; both belong to one Net.
  BatchNormLayer* batch_norm_ = nullptr;
  bool relu_ = false;  // clamp the CPU outputs at 0: the in-place ReLU after it (Net::fuse_relus)
  BroadcastAxes axes_;
};

}  // namespace visage
