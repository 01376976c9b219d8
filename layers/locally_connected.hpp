// DeepFace's locally connected layer (L4-L6): a convolution whose filters are not shared, i.e. a
// separate filter bank and bias for every output location. Kernel, stride and padding as
// Convolution reads them (layers/window_geometry.hpp), rectangular ones included.
//
// Layouts, chosen so that the whole layer is one batched GEMM over the L = out_h * out_w
// locations, each a plain (N x K) * (K x O) product with K = C * kh * kw:
//   weight (L, O, K)  the filters of location l are a contiguous O x K matrix (like a
//                     convolution's (O, C, kh, kw) per location), K ordered (channel, row, column);
//   bias   (L, O);
//   columns (L, N, K) the patches of location l for the whole batch, a contiguous N x K matrix;
//   result  (L, N, O) then transposed into the top (N, O, out_h, out_w).
// Locations are processed in chunks so that the column buffer (from the context's shared
// workspace) stays bounded; on the GPU (cuda/locally_connected.cu) each chunk is one cuBLAS
// strided-batched GEMM plus one gather and one scatter kernel.
// The weight filler sees a (L * O, K) matrix, so xavier/msra use the fan-in K of one filter.
#pragma once

#include "core/layer.hpp"
#include "layers/window_geometry.hpp"

namespace visage {

class LocallyConnectedLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "LocallyConnected"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override;
  // N * L * O * K (bias adds not counted).
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
  int64_t locations() const { return window_.out_h() * window_.out_w(); }
  // How many locations one chunk holds when its column buffer may have `budget` floats.
  int64_t chunk_locations(int64_t budget) const;

  WindowGeometry window_;  // fixed at setup: the weights exist for one input size only
  int64_t num_output_ = 0;
  bool bias_term_ = true;
  int64_t batch_ = 0;
};

}  // namespace visage
