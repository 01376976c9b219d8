// Caffe's Eltwise over two or more bottoms of one shape: SUM (with optional per-bottom coeff),
// PROD, or MAX. MAX keeps the index of the winning bottom per element (as a float, on whichever
// device ran forward) and routes the gradient there; ties go to the lowest bottom index. PROD's
// gradient is always the product of the other bottoms (Caffe's stable_prod_grad), which is exact
// even where an input is zero.
#pragma once

#include <vector>

#include "core/layer.hpp"

namespace visage {

class EltwiseLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Eltwise"; }
  Arity bottom_arity() const override { return Arity::at_least(2); }
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
  proto::EltwiseParameter::EltwiseOp op_ = proto::EltwiseParameter::SUM;
  std::vector<float> coeffs_;  // one per bottom (1 unless given)
  Tensor argmax_;              // MAX only: winning bottom per element
};

}  // namespace visage
