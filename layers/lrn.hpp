// Local response normalisation across channels (Caffe's LRN, AlexNet's formula, used by FaceNet
// NN1): y_c = x_c * s_c^-beta with s_c = k + alpha / n * sum of x_j^2 over the n channels centred
// on c (zero beyond the edges). WITHIN_CHANNEL is rejected with a clear message: no network Visage
// targets uses it. The scale s is kept for backward. GPU half: cuda/lrn.cu.
#pragma once

#include "core/layer.hpp"

namespace visage {

class LRNLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "LRN"; }
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
  int size_ = 5;
  float alpha_ = 1;
  float beta_ = 0.75f;
  float k_ = 1;
  int64_t num_ = 0;
  int64_t channels_ = 0;
  int64_t pixels_ = 0;  // H * W
  Tensor scale_;        // s, shaped like the input
};

}  // namespace visage
