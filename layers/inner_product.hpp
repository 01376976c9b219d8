// Fully connected layer (Caffe's InnerProduct): top = bottom * W^T + b, where bottom is flattened
// from `axis` on into M rows of K inputs. W has shape (num_output, K), or (K, num_output) with
// `transpose: true`, exactly as Caffe stores it, so Caffe weights load unchanged.
#pragma once

#include "core/layer.hpp"

namespace visage {

class InnerProductLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "InnerProduct"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;
  // M * N * K multiply-adds (the bias adds are not counted, as in FaceNet's tables).
  int64_t forward_macs(Tensors bottom, Tensors top) const override;

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
  Tensor& weights() { return *params_[0]; }
  Tensor& bias() { return *params_[1]; }

  int axis_ = 1;
  bool bias_term_ = true;
  bool transpose_ = false;
  int64_t rows_ = 0;     // M: examples (the product of the dims before axis)
  int64_t inputs_ = 0;   // K
  int64_t outputs_ = 0;  // N
  // M ones: the bias is added and its gradient summed as rank-1 products with it.
  Tensor bias_multiplier_;
};

}  // namespace visage
