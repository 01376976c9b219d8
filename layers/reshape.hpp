// Caffe's Reshape: reshape_param.shape replaces the input axes [axis, axis + num_axes) (defaults:
// all of them). In the new shape, 0 copies the input's dimension at that position and one -1 is
// inferred from the element count. The top shares the bottom's data and gradient: nothing is
// copied and forward/backward do nothing, on either device.
#pragma once

#include "core/layer.hpp"

namespace visage {

class ReshapeLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Reshape"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;

 protected:
  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context&, Tensors, Tensors) override {}
  void backward_cpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#if VISAGE_WITH_CUDA
  void forward_gpu(Context&, Tensors, Tensors) override {}
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#endif

 private:
  // Positions in reshape_param.shape holding 0 (copied) and -1 (inferred, or -1 for none).
  std::vector<int> copied_;
  int inferred_ = -1;
};

}  // namespace visage
