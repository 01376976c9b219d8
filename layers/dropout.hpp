// Inverted dropout (Caffe's Dropout, dropout_param.dropout_ratio = p): in TRAIN each element is
// kept with probability 1 - p and scaled by 1 / (1 - p), so that the expected activation is
// unchanged and TEST is the identity. Works in place.
//
// Each TRAIN forward takes one 64-bit seed from ctx.rng(); the mask is a hash of (seed, element
// index) (layers/dropout_mask.hpp), evaluated on whichever device runs. So a given RNG state gives
// the same mask on the CPU and the GPU, a snapshot of the RNG state reproduces it, and backward
// recomputes it from the stored seed instead of keeping a mask tensor.
#pragma once

#include <cstdint>

#include "core/layer.hpp"

namespace visage {

class DropoutLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Dropout"; }
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
  bool training() const { return phase() == proto::TRAIN; }

  float ratio_ = 0.5f;
  float scale_ = 2.0f;
  // Seed of the mask drawn by the last TRAIN forward.
  uint64_t seed_ = 0;
};

}  // namespace visage
