// Concatenation along one axis (Caffe's Concat): concat_param.axis (default 1, negative counts
// from the end) or the legacy concat_dim. All bottoms must agree on every other axis. With a single
// bottom the top simply shares its data and gradient, as in Caffe.
#pragma once

#include "core/layer.hpp"

namespace visage {

class ConcatLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Concat"; }
  Arity bottom_arity() const override { return Arity::at_least(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
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

 private:
  int axis_ = 1;
  // Every tensor seen as (outer, dim(axis), inner); the top's dim(axis) is the sum of the bottoms'.
  int64_t outer_ = 0;
  int64_t inner_ = 0;
};

}  // namespace visage
