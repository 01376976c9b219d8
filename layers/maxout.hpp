// Maxout (Goodfellow et al. 2013; FaceNet NN1's fc1/fc2 with p = 2): the channel axis (axis 1) of
// an input (N, C * p, ...) is cut into C groups of p consecutive channels and each output channel
// is the maximum of its group: top[n, c, s] = max over j < p of bottom[n, c * p + j, s], for every
// trailing position s. Consecutive grouping is what an InnerProduct followed by Maxout means in the
// papers (output unit c owns the p linear pieces c*p .. c*p+p-1). Ties go to the lowest piece.
// Backward routes each gradient to the piece that won in forward; the winner is kept per output
// (as a float piece index in [0, p), exact in float) on whichever device ran forward.
#pragma once

#include "core/layer.hpp"

namespace visage {

class MaxoutLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Maxout"; }
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
  int64_t pieces_ = 2;
  // The input seen as (outer, units * pieces, inner): outer = N, inner = the trailing positions.
  int64_t outer_ = 0;
  int64_t units_ = 0;
  int64_t inner_ = 0;
  // Winning piece of each output, shaped like the top.
  Tensor argmax_;
};

}  // namespace visage
