// Per-sample L2 normalisation (FaceNet's embedding layer): each sample's vector, formed by all axes
// after the first, is divided by s = sqrt(||x||^2 + eps), eps from l2_normalize_param (a squared
// quantity, default 1e-10, so norms below ~1e-5 are floored smoothly).
//
// Why sqrt(||x||^2 + eps) and not max(||x||, eps): it is differentiable everywhere, so the
// Jacobian below is exact for every input, the zero vector included (it gives y = 0 and
// dx = dy / sqrt(eps), finite), and a finite-difference check holds with no kink to avoid:
//   y = x / s,   dx = (dy - y (y . dy)) / s.
// For ||x||^2 >> eps this is the textbook x / ||x|| with its projection Jacobian.
#pragma once

#include "core/layer.hpp"

namespace visage {

class L2NormalizeLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "L2Normalize"; }
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
  float eps_ = 1e-10f;
  int64_t samples_ = 0;
  int64_t dim_ = 0;
  // s of each sample, kept from forward for backward.
  Tensor scales_;
};

}  // namespace visage
