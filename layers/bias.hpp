// Caffe's Bias: top = bottom + b, with b broadcast over the input axes [axis, axis + rank(b))
// (layers/broadcast_axes.hpp). With one bottom, b is a learned parameter covering bias_param's
// num_axes axes from axis (filler default constant 0); with two, b is bottom[1] and receives the
// gradient.
#pragma once

#include "core/layer.hpp"
#include "layers/broadcast_axes.hpp"

namespace visage {

class BiasLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Bias"; }
  Arity bottom_arity() const override { return Arity::between(1, 2); }
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
  Tensor& bias(Tensors bottom) { return bottom.size() > 1 ? *bottom[1] : *params_[0]; }

  BroadcastAxes axes_;
};

}  // namespace visage
