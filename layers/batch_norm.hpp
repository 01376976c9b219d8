// Caffe's BatchNorm: per channel (axis 1), y = (x - mean) / sqrt(var + eps), with no scale or shift
// (Caffe puts those in a following Scale layer with bias_term).
//
// Statistics: with use_global_stats false (the default in TRAIN) mean and var are the batch's,
// over N and all trailing axes (biased variance), and forward updates Caffe's three parameter
// blobs: running mean and variance sums (S = f * S + batch value, the variance with the m / (m-1)
// correction) and the normaliser (F = f * F + 1), f = moving_average_fraction. With
// use_global_stats true (the default in TEST) mean = S_mean / F and var = S_var / F.
// The three blobs are parameters so that snapshots and Caffe weights carry them, but not
// learnable (param_is_learnable): the Net forces their lr_mult and decay_mult to 0, so no solver
// touches them, as Caffe users get by writing `param { lr_mult: 0 }` three times.
//
// Backward: with batch statistics the full batch-norm gradient,
//   dx = (dy - mean(dy) - y * mean(dy * y)) / sqrt(var + eps)   (means per channel over N, H, W);
// with global statistics the constant affine map's, dx = dy / sqrt(var + eps).
// Works in place (backward needs only y, the top). On the CPU, a Scale right after an in-place
// BatchNorm runs this backward inside its own (ScaleLayer::absorb_backward_of).
#pragma once

#include "core/layer.hpp"

namespace visage {

// dx of one element, given the channel's mean(dy), mean(dy * y) and 1 / sqrt(var + eps) (zeros
// for the means with global statistics): shared by BatchNorm's backward and Scale's, which runs
// it for the BatchNorm before it, so that both give the same bits.
inline float batch_norm_input_gradient(float dy, float y, float mean_dy, float mean_dy_y,
                                       float inv_std) {
  return (dy - mean_dy - y * mean_dy_y) * inv_std;
}

class BatchNormLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "BatchNorm"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  bool supports_in_place() const override { return true; }
  bool param_is_learnable(int index) const override { return false; }
  void reshape(Tensors bottom, Tensors top) override;
  void leave_cpu_backward_to_consumer() override { backward_by_consumer_ = true; }

  // For the Scale that runs this layer's CPU backward: whether the running averages stand in for
  // the batch's statistics, and, per channel, 1 / sqrt(var + eps) of the last forward pass.
  bool use_global_stats() const;
  const Tensor& inv_std() const { return inv_std_; }

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
  Tensor& running_mean() { return *params_[0]; }
  Tensor& running_variance() { return *params_[1]; }
  Tensor& running_normaliser() { return *params_[2]; }

  float moving_average_fraction_ = 0.999f;
  float eps_ = 1e-5f;
  bool backward_by_consumer_ = false;  // the Scale after it runs the CPU backward
  int64_t channels_ = 0;
  int64_t outer_ = 0;  // N
  int64_t inner_ = 0;  // elements per channel and sample
  // Per channel, from the last forward: the mean and variance used, and 1 / sqrt(var + eps).
  Tensor mean_;
  Tensor variance_;
  Tensor inv_std_;
  // Per channel, in the GPU backward: the sums of dy and of dy * y.
  Tensor sum_dy_;
  Tensor sum_dy_y_;
};

}  // namespace visage
