#include "layers/lrn.hpp"

#include <algorithm>
#include <cmath>

namespace visage {

void LRNLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.lrn_param();
  VISAGE_LAYER_CHECK(p.norm_region() == proto::LRNParameter::ACROSS_CHANNELS,
                     "norm_region WITHIN_CHANNEL is not implemented (only ACROSS_CHANNELS)");
  VISAGE_LAYER_CHECK(p.local_size() % 2 == 1,
                     "local_size must be odd (the window is centred on the channel), got ",
                     p.local_size());
  VISAGE_LAYER_CHECK(p.k() > 0, "k must be positive (the scale is raised to -beta), got ", p.k());
  size_ = static_cast<int>(p.local_size());
  alpha_ = p.alpha();
  beta_ = p.beta();
  k_ = p.k();
}

void LRNLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     in.shape_string());
  num_ = in.dim(0);
  channels_ = in.dim(1);
  pixels_ = in.count(2);
  top[0]->reshape(in.shape());
  scale_.reshape(in.shape());
}

// Channel-major loops: for each (image, channel) the window's planes are added with stride-1
// inner loops over the pixels, in the same order (j ascending) as the GPU kernel sums them.
void LRNLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const int half = size_ / 2;
  const float alpha_over_n = alpha_ / static_cast<float>(size_);
  const float* in = bottom[0]->data().data();
  float* out = top[0]->mutable_data().data();
  float* scale = scale_.mutable_data().data();
  for (int64_t n = 0; n < num_; ++n) {
    const float* x = in + n * channels_ * pixels_;
    for (int64_t c = 0; c < channels_; ++c) {
      float* s = scale + (n * channels_ + c) * pixels_;
      std::fill_n(s, pixels_, 0.0f);
      const int64_t first = std::max<int64_t>(c - half, 0);
      const int64_t last = std::min<int64_t>(c + half, channels_ - 1);
      for (int64_t j = first; j <= last; ++j) {
        const float* xj = x + j * pixels_;
        for (int64_t i = 0; i < pixels_; ++i) s[i] += xj[i] * xj[i];
      }
      const float* xc = x + c * pixels_;
      float* y = out + (n * channels_ + c) * pixels_;
      for (int64_t i = 0; i < pixels_; ++i) {
        s[i] = k_ + alpha_over_n * s[i];
        y[i] = xc[i] * std::pow(s[i], -beta_);
      }
    }
  }
}

// dx_c = dy_c * s_c^-beta - 2 alpha beta / n * x_c * sum over the windows containing c of
// dy_j * y_j / s_j (the window is symmetric, so those are the j within local_size / 2 of c).
void LRNLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                            Tensors bottom) {
  if (!propagate_down[0]) return;
  const int half = size_ / 2;
  const float factor = 2.0f * alpha_ * beta_ / static_cast<float>(size_);
  const float* in = bottom[0]->data().data();
  const float* out = top[0]->data().data();
  const float* top_diff = top[0]->diff().data();
  const float* scale = scale_.data().data();
  float* in_diff = bottom[0]->mutable_diff().data();
  for (int64_t n = 0; n < num_; ++n) {
    const int64_t base = n * channels_ * pixels_;
    for (int64_t c = 0; c < channels_; ++c) {
      float* dx = in_diff + base + c * pixels_;
      std::fill_n(dx, pixels_, 0.0f);
      const int64_t first = std::max<int64_t>(c - half, 0);
      const int64_t last = std::min<int64_t>(c + half, channels_ - 1);
      for (int64_t j = first; j <= last; ++j) {
        const int64_t plane = base + j * pixels_;
        for (int64_t i = 0; i < pixels_; ++i) {
          dx[i] += top_diff[plane + i] * out[plane + i] / scale[plane + i];
        }
      }
      const int64_t plane = base + c * pixels_;
      for (int64_t i = 0; i < pixels_; ++i) {
        dx[i] = top_diff[plane + i] * std::pow(scale[plane + i], -beta_) -
                factor * in[plane + i] * dx[i];
      }
    }
  }
}

}  // namespace visage
