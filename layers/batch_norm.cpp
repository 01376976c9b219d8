#include "layers/batch_norm.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "layers/channel_groups.hpp"
#include "layers/sliced_parallel.hpp"

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

// Channels are independent: groups of them are handed whole to the workers (cpu::run_blocks),
// and each channel is summed in the order a single thread sums it alone, so the statistics are
// the same bits on any number of threads and the same as before the layer was threaded (trained
// networks keep their digits).
void BatchNormLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const float* in = bottom[0]->data().data();
  float* mean = mean_.mutable_data().data();
  float* variance = variance_.mutable_data().data();
  float* inv_std = inv_std_.mutable_data().data();
  float* out = top[0]->mutable_data().data();
  const int64_t m = outer_ * inner_;
  const bool global = use_global_stats();
  const float f = moving_average_fraction_;
  const float correction = m > 1 ? static_cast<float>(m) / static_cast<float>(m - 1) : 1.0f;
  float factor = 0.0f;
  if (global) {
    const float normaliser = running_normaliser().data()[0];
    factor = normaliser == 0.0f ? 0.0f : 1.0f / normaliser;
  } else {
    VISAGE_LAYER_CHECK(m > 0, "cannot compute batch statistics of an empty input ",
                       bottom[0]->shape_string());
  }
  // Read in the TEST phase, updated in training.
  const float* saved_mean = running_mean().data().data();
  const float* saved_variance = running_variance().data().data();
  float* running_mean_data = global ? nullptr : running_mean().mutable_data().data();
  float* running_variance_data = global ? nullptr : running_variance().mutable_data().data();
  const auto batch_statistics = [&]<int64_t G>(int64_t c) {
    std::array<double, G> sum{};
    for (int64_t n = 0; n < outer_; ++n) {
      const auto x = cpu::planes_of<G>(in, n, c, channels_, inner_);
      for (int64_t i = 0; i < inner_; ++i) {
        for (int64_t k = 0; k < G; ++k) sum[k] += x[k][i];
      }
    }
    for (int64_t k = 0; k < G; ++k)
      mean[c + k] = static_cast<float>(sum[k] / static_cast<double>(m));
    std::array<double, G> squares{};
    for (int64_t n = 0; n < outer_; ++n) {
      const auto x = cpu::planes_of<G>(in, n, c, channels_, inner_);
      for (int64_t i = 0; i < inner_; ++i) {
        for (int64_t k = 0; k < G; ++k) {
          const double deviation = double{x[k][i]} - mean[c + k];
          squares[k] += deviation * deviation;
        }
      }
    }
    for (int64_t k = 0; k < G; ++k) {
      variance[c + k] = static_cast<float>(squares[k] / static_cast<double>(m));
      running_mean_data[c + k] = f * running_mean_data[c + k] + mean[c + k];
      running_variance_data[c + k] =
          f * running_variance_data[c + k] + correction * variance[c + k];
    }
  };
  const auto normalise_channel = [&](int64_t c) {
    if (global) {
      mean[c] = saved_mean[c] * factor;
      variance[c] = saved_variance[c] * factor;
    }
    inv_std[c] = 1.0f / std::sqrt(variance[c] + eps_);
    // Per-channel constants in locals: `out` may be `in` (in place), and through it the compiler
    // would have to reload them every element instead of vectorising.
    const float centre = mean[c], scale = inv_std[c];
    for (int64_t n = 0; n < outer_; ++n) {
      const float* x = in + (n * channels_ + c) * inner_;
      float* y = out + (n * channels_ + c) * inner_;
      for (int64_t i = 0; i < inner_; ++i) y[i] = (x[i] - centre) * scale;
    }
  };
  const int workers = cpu::elementwise_workers(m * channels_);
  cpu::run_blocks(channels_, cpu::channel_grain(channels_, workers), workers,
                  [&](int64_t first, int64_t end, int) {
                    if (!global) cpu::for_channel_groups(first, end, batch_statistics);
                    for (int64_t c = first; c < end; ++c) normalise_channel(c);
                  });
  if (!global) {
    float& normaliser = running_normaliser().mutable_data()[0];
    normaliser = f * normaliser + 1.0f;
  }
}

void BatchNormLayer::backward_cpu(Context& ctx, Tensors top,
                                  const std::vector<bool>& propagate_down, Tensors bottom) {
  if (!propagate_down[0] || backward_by_consumer_) return;
  const float* out = top[0]->data().data();
  const float* top_diff = top[0]->diff().data();
  const float* inv_std = inv_std_.data().data();
  float* bottom_diff = bottom[0]->mutable_diff().data();
  const bool global = use_global_stats();
  const auto m = static_cast<double>(outer_ * inner_);
  // The means of dy and of dy * y of channels [c, c + G), or zeros with global statistics.
  const auto gradient_sums = [&]<int64_t G>(int64_t c) {
    std::array<double, G> sum_dy{};
    std::array<double, G> sum_dy_y{};
    if (!global) {
      for (int64_t n = 0; n < outer_; ++n) {
        const auto dy = cpu::planes_of<G>(top_diff, n, c, channels_, inner_);
        const auto y = cpu::planes_of<G>(out, n, c, channels_, inner_);
        for (int64_t i = 0; i < inner_; ++i) {
          for (int64_t k = 0; k < G; ++k) {
            sum_dy[k] += dy[k][i];
            sum_dy_y[k] += double{dy[k][i]} * y[k][i];
          }
        }
      }
    }
    for (int64_t k = 0; k < G; ++k) {
      const auto mean_dy = static_cast<float>(sum_dy[k] / m);
      const auto mean_dy_y = static_cast<float>(sum_dy_y[k] / m);
      const float scale = inv_std[c + k];
      for (int64_t n = 0; n < outer_; ++n) {
        const int64_t first = (n * channels_ + c + k) * inner_;
        for (int64_t i = first; i < first + inner_; ++i) {
          bottom_diff[i] =
              batch_norm_input_gradient(top_diff[i], out[i], mean_dy, mean_dy_y, scale);
        }
      }
    }
  };
  cpu::run_channel_groups(channels_, outer_ * inner_ * channels_, gradient_sums);
}

}  // namespace visage
