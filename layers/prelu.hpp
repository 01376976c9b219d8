// Parametric ReLU (He et al. 2015; Caffe's PReLU): top = x > 0 ? x : a_c * x with a learnable slope
// per channel (axis 1), or one slope for all channels with prelu_param.channel_shared. Slopes start
// from prelu_param.filler (default constant 0.25). Works in place: the input is then kept in a
// private copy during forward, because the slope gradient needs x and the top has overwritten it.
#pragma once

#include "core/layer.hpp"

namespace visage {

class PReLULayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "PReLU"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  bool supports_in_place() const override { return true; }
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
  Tensor& slopes() { return *params_[0]; }
  // The input's values: the bottom itself, or the copy taken before an in-place forward.
  const Tensor& input(Tensors bottom, Tensors top) const;

  bool channel_shared_ = false;
  int64_t channels_ = 0;  // of the input (axis 1)
  int64_t inner_ = 0;     // elements per channel and sample
  Tensor input_copy_;
};

}  // namespace visage
