// 2-D convolution (Caffe's Convolution): kernel, stride, pad (square or h/w), dilation, group and
// an optional bias, on NCHW inputs. The weight has Caffe's shape (num_output, C / group, kh, kw),
// so Caffe weights load unchanged. CPU: im2col of one image into the context's shared workspace,
// then one OpenBLAS GEMM per group (a 1x1 stride-1 unpadded kernel skips im2col). GPU
// (cuda/convolution.cu): cuDNN with algorithms chosen once per input shape and cached.
#pragma once

#include <memory>

#include "core/layer.hpp"
#include "layers/im2col.hpp"

namespace visage {

class ConvolutionLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Convolution"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;
  // N * out_h * out_w * num_output * (C / group) * kh * kw (bias adds not counted).
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
  void read_window(const proto::ConvolutionParameter& p);

  // The window over one image; channels/height/width follow the current input.
  WindowGeometry window_;
  int64_t num_output_ = 0;
  int64_t group_ = 1;
  bool bias_term_ = true;
  int64_t batch_ = 0;

#if VISAGE_WITH_CUDA
  // cuDNN descriptors and the per-shape algorithm cache (defined in cuda/convolution.cu).
  struct CudnnPlan;
  // Creates the plan on first use and points it at the current input shape.
  CudnnPlan& prepare_cudnn(Context& ctx, Tensors bottom, Tensors top);
  std::shared_ptr<CudnnPlan> cudnn_;
#endif
};

}  // namespace visage
