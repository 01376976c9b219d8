// Spatial pooling (Caffe's Pooling) over NCHW inputs: MAX (remembering the argmax of every window
// for backward), AVE (Caffe's divisor: the window clipped to the padded image, so padding counts)
// and Visage's L2 (FaceNet NN2: sqrt of the sum of squares over the in-image part of the window).
// Output size as Caffe computes it: ceil((H + 2 pad - kernel) / stride) + 1 by default (FLOOR on
// request), minus one when the last window would start in the padding. global_pooling takes the
// whole image. CPU: layers/pooling_passes.hpp pools each plane along its rows and then down its
// columns, blocks of planes spread over the BLAS threads. GPU half:
// cuda/pooling.cu (own kernels, backward as a gather: no atomics).
#pragma once

#include "core/layer.hpp"
#include "layers/window_geometry.hpp"

namespace visage {

class PoolingLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Pooling"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;
  // One "multiply-add" per window element read (the convention of FaceNet's tables is not
  // stated for pooling; this is the work done).
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
  proto::PoolingParameter::PoolMethod method_ = proto::PoolingParameter::MAX;
  bool global_ = false;
  WindowGeometry window_;  // of one channel plane; channels holds C
  int64_t planes_ = 0;     // N * C
  // MAX only: for every output, the index (y * W + x) of its maximum within its plane, held as
  // float (exact below 2^24 pixels per plane) so that it lives in a Tensor on either device.
  Tensor argmax_;
};

}  // namespace visage
