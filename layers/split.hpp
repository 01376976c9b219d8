// Copies one tensor to several consumers and sums their gradients. The Net inserts these itself
// wherever a top feeds more than one bottom.
#pragma once

#include "core/layer.hpp"

namespace visage {

class SplitLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Split"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::at_least(1); }
  void reshape(Tensors bottom, Tensors top) override;

 protected:
  void forward_cpu(Context& ctx, Tensors bottom, Tensors top) override;
  void backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                    Tensors bottom) override;
#if VISAGE_WITH_CUDA
  void forward_gpu(Context& ctx, Tensors bottom, Tensors top) override;
  void backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                    Tensors bottom) override;
#endif
};

}  // namespace visage
