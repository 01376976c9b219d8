// The net's inputs: tops of fixed shapes whose values the caller (or a data layer) writes.
#pragma once

#include "core/layer.hpp"

namespace visage {

class InputLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Input"; }
  Arity bottom_arity() const override { return Arity::exactly(0); }
  Arity top_arity() const override { return Arity::at_least(1); }
  void reshape(Tensors bottom, Tensors top) override {}

 protected:
  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context&, Tensors, Tensors) override {}
  void backward_cpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#if VISAGE_WITH_CUDA
  void forward_gpu(Context&, Tensors, Tensors) override {}
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {}
#endif
};

}  // namespace visage
