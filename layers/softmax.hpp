// Softmax over one axis (default 1, the channels): top = exp(x - max) / sum(exp(x - max)), the max
// subtracted so that large logits do not overflow.
#pragma once

#include "core/layer.hpp"

namespace visage {

class SoftmaxLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Softmax"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
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
  int axis_ = 1;
  // The input seen as (outer, channels, inner) with the softmax over channels.
  int64_t outer_ = 0;
  int64_t channels_ = 0;
  int64_t inner_ = 0;
};

}  // namespace visage
