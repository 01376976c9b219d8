// 2-D convolution (Caffe's Convolution): kernel, stride, pad (square or h/w), dilation, group and
// an optional bias, on NCHW inputs. The weight has Caffe's shape (num_output, C / group, kh, kw),
// so Caffe weights load unchanged. CPU: with ConvolutionAlgorithms::fastest, 3x3 stride-1 kernels
// and 5x5 ones run through Winograd's F(m x m, r x r) (layers/winograd.hpp), and stride-1 ones
// with few outputs and larger kernels through a direct kernel (layers/direct_convolution.hpp);
// otherwise chunks of images are im2col'ed side by side into the context's shared workspace and one
// single-threaded OpenBLAS GEMM per group covers a whole chunk, the BLAS threads working on
// different chunks (a one-image chunk writes its result in place, and skips im2col for a 1x1
// stride-1 unpadded kernel; an image whose columns would not fit a core's cache goes through a band
// of output rows at a time). GPU (cuda/convolution.cu): cuDNN with algorithms chosen once per input
// shape and cached.
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
  bool fuse_relu() override {
    relu_ = true;
    return true;
  }

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

  // How the CPU passes cut the batch: `workers` threads take chunks of at most `chunk` images,
  // whose columns form one GEMM; `scratch` is the floats each worker needs for a chunk (or for a
  // band and backward's transposed weight gradient). A one-image chunk whose columns would not
  // fit a core's cache goes through in bands of `band_rows` output rows (0: whole).
  struct CpuPlan {
    int workers;
    int64_t chunk;
    int64_t scratch;
    int64_t band_rows;
  };
  CpuPlan cpu_plan(ConvolutionAlgorithms algorithms) const;
  // count images from in to out through columns (the worker's scratch).
  void forward_images(int64_t count, const float* in, const float* w, const float* b,
                      float* columns, float* out) const;
  // One image, band by band (band_rows > 0).
  void forward_bands(int64_t band_rows, const float* in, const float* w, const float* b,
                     float* columns, float* out) const;
  // The gradients of count images: w_diff and b_diff (may be null) accumulate, in_diff (may be
  // null) is overwritten.
  void backward_images(int64_t count, const float* in, const float* top_diff, const float* w,
                       float* columns, float* w_diff, float* b_diff, float* in_diff) const;
  // One image, band by band (band_rows > 0).
  void backward_bands(int64_t band_rows, const float* in, const float* top_diff, const float* w,
                      float* columns, float* w_diff, float* b_diff, float* in_diff) const;

  // Under ConvolutionAlgorithms::fastest, 3x3 stride-1 windows (cpu::winograd_tile) run
  // through Winograd's F(m x m, 3x3) instead (layers/convolution_winograd.cpp): blocks of `chunk`
  // images, or of `band_rows` tile rows of one image where an image has more tiles than a block
  // should, with `scratch` floats per worker for a block's transformed inputs and products.
  struct WinogradPlan {
    int workers;
    int64_t chunk;
    int64_t band_rows;
    int64_t scratch;
  };
  WinogradPlan winograd_plan() const;
  void forward_winograd(Context& ctx, const float* in, const float* w, const float* b, float* out);
  void backward_winograd(Context& ctx, const float* in, const float* top_diff, const float* w,
                         float* w_diff, float* b_diff, float* in_diff);

  // Under ConvolutionAlgorithms::fastest, stride-1 layers with few outputs and large kernels
  // (cpu::direct_convolution_suits) run all three passes through the direct kernel of
  // layers/direct_convolution.hpp instead (layers/convolution_direct.cpp), an image to a worker.
  void forward_direct(Context& ctx, const float* in, const float* w, const float* b, float* out);
  void backward_direct(Context& ctx, const float* in, const float* top_diff, const float* w,
                       float* w_diff, float* b_diff, float* in_diff);
  void backward_direct_inputs(Context& ctx, const float* top_diff, const float* w, float* in_diff);

  // Whether the CPU passes clamp the outputs at 0 for the in-place ReLU after this layer.
  bool relu_ = false;
  // The window over one image; channels/height/width follow the current input.
  WindowGeometry window_;
  int64_t num_output_ = 0;
  int64_t group_ = 1;
  bool bias_term_ = true;
  int64_t batch_ = 0;
  // The Winograd output tile for the window, 0 where it does not suit Winograd (the CPU takes
  // that route under ConvolutionAlgorithms::fastest).
  int winograd_tile_ = 0;
  // Whether the window suits the direct kernel (the CPU takes that route under
  // ConvolutionAlgorithms::fastest where Winograd does not apply, if the context's vector level
  // has a kernel).
  bool direct_ = false;

#if VISAGE_WITH_CUDA
  // cuDNN descriptors and the per-shape algorithm cache (defined in cuda/convolution.cu).
  struct CudnnPlan;
  // Creates the plan on first use and points it at the current input shape.
  CudnnPlan& prepare_cudnn(Context& ctx, Tensors bottom, Tensors top);
  std::shared_ptr<CudnnPlan> cudnn_;
#endif
};

}  // namespace visage
