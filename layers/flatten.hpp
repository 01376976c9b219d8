// Caffe's Flatten: axes axis .. end_axis (flatten_param, defaults 1 and -1) become one axis, so
// (N, C, H, W) becomes (N, C*H*W). The top shares the bottom's data and gradient: nothing is copied
// and forward/backward do nothing, on either device.
#pragma once

#include "core/layer.hpp"

namespace visage {

class FlattenLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Flatten"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;

 protected:
  void forward_cpu(Context&, Tensors, Tensors) override {}
  void backward_cpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#if VISAGE_WITH_CUDA
  void forward_gpu(Context&, Tensors, Tensors) override {}
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#endif
};

}  // namespace visage
