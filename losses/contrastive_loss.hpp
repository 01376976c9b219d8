// Contrastive loss (Hadsell, Chopra & LeCun 2006; Caffe's ContrastiveLoss, as DeepID2 uses it).
// Bottoms: a and b (N x D, or N x anything: each row flattened), and the similarity y (N values,
// nonzero = same identity, as in Caffe). With d = ||a_i - b_i||:
//   loss = 1/(2N) sum_i  y_i d^2 + (1 - y_i) max(margin - d, 0)^2
// legacy_version uses max(margin - d^2, 0) for dissimilar pairs instead. The gradient of a
// dissimilar pair is exact, -(margin - d)/d (a_i - b_i) / N (Caffe adds 1e-4 to d, a small bias;
// here a pair at d = 0 gets no gradient because its direction is undefined).
#pragma once

#include <cmath>

#include "core/host_device.hpp"
#include "core/layer.hpp"

namespace visage {

// One pair's loss and gradient from its squared distance, shared by the CPU loop and the kernels.
struct ContrastivePair {
  float margin;
  bool legacy;

  // y d^2 or the dissimilar pair's hinge (before the 1/(2N)).
  VISAGE_HOST_DEVICE float loss(float distance_squared, bool similar) const {
    if (similar) return distance_squared;
    if (legacy) return fmaxf(margin - distance_squared, 0.0f);
    const float gap = fmaxf(margin - sqrtf(distance_squared), 0.0f);
    return gap * gap;
  }
  // c such that d(pair loss) / d a_i = c (a_i - b_i) (and -c (a_i - b_i) for b_i).
  VISAGE_HOST_DEVICE float coefficient(float distance_squared, bool similar) const {
    if (similar) return 2.0f;
    if (legacy) return margin - distance_squared > 0 ? -2.0f : 0.0f;
    const float distance = sqrtf(distance_squared);
    return margin - distance > 0 && distance > 0 ? -2.0f * (margin - distance) / distance : 0.0f;
  }
};

class ContrastiveLossLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "ContrastiveLoss"; }
  Arity bottom_arity() const override { return Arity::exactly(3); }
  Arity top_arity() const override { return Arity::exactly(1); }
  bool is_loss() const override { return true; }
  bool can_backward_to(int bottom_index) const override { return bottom_index < 2; }
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
  ContrastivePair pair_{1.0f, false};
  int64_t pairs_ = 0;
  int64_t dim_ = 0;
  // Per pair: the squared distance (data) of the last forward, kept for backward; the GPU path
  // also writes each pair's scaled loss into diff before summing it on the device.
  Tensor distances_;
};

}  // namespace visage
