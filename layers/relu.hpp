// Rectified linear unit with Caffe's optional leak: top = x > 0 ? x : negative_slope * x.
// Works in place (top = bottom), which is how most configs use it.
#pragma once

#include "core/layer.hpp"

namespace visage {

class ReLULayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "ReLU"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  bool supports_in_place() const override { return true; }
  void reshape(Tensors bottom, Tensors top) override;
  bool is_fusable_relu() const override { return in_place_ && negative_slope_ == 0.0f; }
  void leave_cpu_forward_to_producer() override { fused_ = true; }

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
  float negative_slope_ = 0.0f;
  bool in_place_ = false;
  bool fused_ = false;  // the layer writing the bottom clamps it on the CPU
};

}  // namespace visage
