#include "layers/batch_norm.hpp"

#include <algorithm>
#include <cmath>

namespace visage {

void BatchNormLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.batch_norm_param();
  moving_average_fraction_ = p.moving_average_fraction();
  eps_ = p.eps();
  VISAGE_LAYER_CHECK(eps_ > 0.0f, "batch_norm_param.eps must be positive, got ", eps_);
  VISAGE_LAYER_CHECK(moving_average_fraction_ >= 0.0f && moving_average_fraction_ <= 1.0f,
                     "batch_norm_param.moving_average_fraction must be in [0, 1], got ",
                     moving_average_fraction_);
  const int64_t channels = bottom[0]->num_axes() < 2 ? 1 : bottom[0]->dim(1);
  params_.clear();
  for (const Shape& shape : {Shape{channels}, Shape{channels}, Shape{1}}) {
    params_.push_back(std::make_shared<Tensor>(shape));
    std::ranges::fill(params_.back()->mutable_data(), 0.0f);
  }
}

bool BatchNormLayer::use_global_stats() const {
  const auto& p = param_.batch_norm_param();
  return p.has_use_global_stats() ? p.use_global_stats() : phase() == proto::TEST;
}

void BatchNormLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  channels_ = in.num_axes() < 2 ? 1 : in.dim(1);
  VISAGE_LAYER_CHECK(channels_ == running_mean().count(), "input of shape ", in.shape_string(),
                     " has ", channels_, " channels but the statistics have ",
                     running_mean().count());
  outer_ = in.num_axes() < 1 ? 1 : in.dim(0);
  inner_ = in.count(std::min(2, in.num_axes()));
  if (bottom[0] != top[0]) top[0]->reshape_like(in);
  for (Tensor* t : {&mean_, &variance_, &inv_std_, &sum_dy_, &sum_dy_y_}) t->reshape({channels_});
}

void BatchNormLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto mean = mean_.mutable_data();
  const auto variance = variance_.mutable_data();
  const int64_t m = outer_ * inner_;
  const auto each = [&](int64_t c, auto&& fn) {
    for (int64_t n = 0; n < outer_; ++n) {
      const int64_t first = (n * channels_ + c) * inner_;
      for (int64_t i = first; i < first + inner_; ++i) fn(i);
    }
  };
  if (use_global_stats()) {
    const float normaliser = running_normaliser().data()[0];
    const float factor = normaliser == 0.0f ? 0.0f : 1.0f / normaliser;
    for (int64_t c = 0; c < channels_; ++c) {
      mean[c] = running_mean().data()[c] * factor;
      variance[c] = running_variance().data()[c] * factor;
    }
  } else {
    VISAGE_LAYER_CHECK(m > 0, "cannot compute batch statistics of an empty input ",
                       bottom[0]->shape_string());
    const float f = moving_average_fraction_;
    const float correction = m > 1 ? static_cast<float>(m) / static_cast<float>(m - 1) : 1.0f;
    const auto running_mean_data = running_mean().mutable_data();
    const auto running_variance_data = running_variance().mutable_data();
    for (int64_t c = 0; c < channels_; ++c) {
      double sum = 0;
      each(c, [&](int64_t i) { sum += in[i]; });
      mean[c] = static_cast<float>(sum / static_cast<double>(m));
      double squares = 0;
      each(c, [&](int64_t i) {
        const double deviation = double{in[i]} - mean[c];
        squares += deviation * deviation;
      });
      variance[c] = static_cast<float>(squares / static_cast<double>(m));
      running_mean_data[c] = f * running_mean_data[c] + mean[c];
      running_variance_data[c] = f * running_variance_data[c] + correction * variance[c];
    }
    float& normaliser = running_normaliser().mutable_data()[0];
    normaliser = f * normaliser + 1.0f;
  }
  const auto inv_std = inv_std_.mutable_data();
  const auto out = top[0]->mutable_data();
  for (int64_t c = 0; c < channels_; ++c) {
    inv_std[c] = 1.0f / std::sqrt(variance[c] + eps_);
    each(c, [&](int64_t i) { out[i] = (in[i] - mean[c]) * inv_std[c]; });
  }
}

void BatchNormLayer::backward_cpu(Context& ctx, Tensors top,
                                  const std::vector<bool>& propagate_down, Tensors bottom) {
  if (!propagate_down[0]) return;
  const auto out = top[0]->data();
  const auto top_diff = top[0]->diff();
  const auto inv_std = inv_std_.data();
  const auto bottom_diff = bottom[0]->mutable_diff();
  const bool global = use_global_stats();
  const auto m = static_cast<double>(outer_ * inner_);
  for (int64_t c = 0; c < channels_; ++c) {
    double sum_dy = 0;
    double sum_dy_y = 0;
    if (!global) {
      for (int64_t n = 0; n < outer_; ++n) {
        const int64_t first = (n * channels_ + c) * inner_;
        for (int64_t i = first; i < first + inner_; ++i) {
          sum_dy += top_diff[i];
          sum_dy_y += double{top_diff[i]} * out[i];
        }
      }
    }
    const auto mean_dy = static_cast<float>(sum_dy / m);
    const auto mean_dy_y = static_cast<float>(sum_dy_y / m);
    for (int64_t n = 0; n < outer_; ++n) {
      const int64_t first = (n * channels_ + c) * inner_;
      for (int64_t i = first; i < first + inner_; ++i) {
        bottom_diff[i] = (top_diff[i] - mean_dy - out[i] * mean_dy_y) * inv_std[c];
      }
    }
  }
}

}  // namespace visage
