#include "layers/scale.hpp"

#include <algorithm>

#include "core/filler.hpp"
#include "layers/channel_groups.hpp"
#include "layers/channel_lanes.hpp"
#include "layers/sliced_parallel.hpp"

namespace visage {

void ScaleLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.scale_param();
  bias_term_ = p.bias_term();
  params_.clear();
  const Shape shape =
      learned_scale(bottom)
          ? with_context(
                describe(),
                [&] { return broadcast_param_shape(bottom[0]->shape(), p.axis(), p.num_axes()); })
          : bottom[1]->shape();
  per_channel_param_ = learned_scale(bottom) && p.axis() == 1 && p.num_axes() == 1;
  if (learned_scale(bottom)) {
    proto::FillerParameter filler = p.filler();
    if (!p.has_filler()) {
      filler.set_type("constant");
      filler.set_value(1.0f);
    }
    with_context(describe() + ": filler", [&] { validate_filler(filler); });
    params_.push_back(std::make_shared<Tensor>(shape));
    fill(filler, *params_.back(), ctx.rng());
  }
  if (bias_term_) {
    proto::FillerParameter filler = p.bias_filler();
    if (!p.has_bias_filler()) filler.set_type("constant");
    with_context(describe() + ": bias_filler", [&] { validate_filler(filler); });
    params_.push_back(std::make_shared<Tensor>(shape));
    fill(filler, *params_.back(), ctx.rng());
  }
}

void ScaleLayer::reshape(Tensors bottom, Tensors top) {
  axes_ = with_context(describe(), [&] {
    return broadcast_axes(bottom[0]->shape(), scale(bottom).shape(), param_.scale_param().axis());
  });
  if (bias_term_) {
    VISAGE_LAYER_CHECK(params_.back()->count() == axes_.dim, "scale of shape ",
                       scale(bottom).shape_string(), " and bias of shape ",
                       params_.back()->shape_string(), " differ");
  }
  top[0]->reshape_like(*bottom[0]);
}

const float* ScaleLayer::bias_on(const Context& ctx, Tensors bottom) {
  return bias_term_ ? params_.back()->data_on(ctx) : nullptr;
}

// The loops walk (outer, dim, inner) so the inner loop is contiguous and vectorises; indexing
// each element through a division and a modulo costs several times the arithmetic itself.
// Forward splits the (outer, dim) planes among the workers; backward gives each worker whole
// channels (dim), which it sums over outer in order, so the gradients are the same bits on any
// number of threads (layers/channel_groups.hpp: a few channels' sums side by side).
void ScaleLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const float* in = bottom[0]->data().data();
  const float* s = scale(bottom).data().data();
  const float* b = bias_on(ctx, bottom);
  float* out = top[0]->mutable_data().data();
  const int64_t inner = axes_.inner;
  const int64_t planes = axes_.outer * axes_.dim;
  const int64_t planes_per_block =
      std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(inner, 1));
  cpu::run_blocks(planes, planes_per_block, cpu::elementwise_workers(planes * inner),
                  [&](int64_t first, int64_t end, int) {
                    for (int64_t plane = first; plane < end; ++plane) {
                      const int64_t d = plane % axes_.dim, base = plane * inner;
                      const float factor = s[d], shift = b != nullptr ? b[d] : 0.0f;
                      if (relu_) {  // the ReLU layer's values (Layer::fuse_relu)
                        for (int64_t i = 0; i < inner; ++i)
                          out[base + i] = std::max(in[base + i] * factor + shift, 0.0f);
                      } else {
                        for (int64_t i = 0; i < inner; ++i)
                          out[base + i] = in[base + i] * factor + shift;
                      }
                    }
                  });
}

bool ScaleLayer::absorb_backward_of(Layer& producer) {
  auto* batch_norm = dynamic_cast<BatchNormLayer*>(&producer);
  if (batch_norm == nullptr || !per_channel_param_) return false;
  batch_norm_ = batch_norm;
  return true;
}

void ScaleLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  if (batch_norm_ != nullptr) {
    backward_with_batch_norm_cpu(top, propagate_down, bottom);
    return;
  }
  const float* top_diff = top[0]->diff().data();
  const float* in = bottom[0]->data().data();
  const int64_t inner = axes_.inner;
  const bool scale_gradient = learned_scale(bottom) || propagate_down[1];
  float* bias_diff = bias_term_ ? params_.back()->mutable_diff().data() : nullptr;
  float* scale_diff = nullptr;
  if (scale_gradient) {
    // A learned scale accumulates its gradient; a scale bottom's gradient is overwritten.
    const auto diff = scale(bottom).mutable_diff();
    if (!learned_scale(bottom)) std::ranges::fill(diff, 0.0f);
    scale_diff = diff.data();
  }
  float* bottom_diff = propagate_down[0] ? bottom[0]->mutable_diff().data() : nullptr;
  const float* s = bottom_diff != nullptr ? scale(bottom).data().data() : nullptr;
  // Channels [d, d + G): the parameter gradients' sums of each image side by side (plane by
  // plane, each in a lone channel's order), then the bottom gradient, a vectorised product.
  const auto channels = [&]<int64_t G>(int64_t d) {
    for (int64_t o = 0; o < axes_.outer; ++o) {
      if (bias_diff != nullptr || scale_diff != nullptr) {
        cpu::Lanes bias_sum{};
        cpu::Lanes scale_sum{};
        cpu::for_each_element(cpu::lane_planes<G>(top_diff, o, d, axes_.dim, inner),
                              cpu::lane_planes<G>(in, o, d, axes_.dim, inner), inner,
                              [&](cpu::Lanes gi, cpu::Lanes xi) {
                                bias_sum += gi;
                                scale_sum += gi * xi;
                              });
        for (int64_t k = 0; k < G; ++k) {
          if (bias_diff != nullptr) bias_diff[d + k] += bias_sum[k];
          if (scale_diff != nullptr) scale_diff[d + k] += scale_sum[k];
        }
      }
      if (bottom_diff != nullptr) {
        for (int64_t k = 0; k < G; ++k) {
          const float factor = s[d + k];
          const int64_t plane = (o * axes_.dim + d + k) * inner;
          for (int64_t i = plane; i < plane + inner; ++i) bottom_diff[i] = top_diff[i] * factor;
        }
      }
    }
  };
  cpu::run_channel_groups(axes_.dim, axes_.outer * axes_.dim * inner, channels);
}

// Scale's backward, then BatchNorm's, for channels [d, d + G) in two passes. The first sums, per
// image, Scale's parameter gradients (as backward_cpu does) and, over the batch, BatchNorm's
// dt and dt * t, where dt = dy * s is the gradient Scale would hand down and t its input,
// BatchNorm's output; the second writes BatchNorm's input gradient. Every sum runs in the order
// of the two layers' own passes, so the bits are theirs.
void ScaleLayer::backward_with_batch_norm_cpu(Tensors top, const std::vector<bool>& propagate_down,
                                              Tensors bottom) {
  const float* top_diff = top[0]->diff().data();
  const float* in = bottom[0]->data().data();
  const float* s = params_[0]->data().data();
  float* scale_diff = params_[0]->mutable_diff().data();
  float* bias_diff = bias_term_ ? params_[1]->mutable_diff().data() : nullptr;
  float* bottom_diff = propagate_down[0] ? bottom[0]->mutable_diff().data() : nullptr;
  // With global statistics BatchNorm's means of dy and dy * y are 0, as in its own backward.
  const bool batch_statistics = bottom_diff != nullptr && !batch_norm_->use_global_stats();
  const float* inv_std = batch_norm_->inv_std().data().data();
  const int64_t outer = axes_.outer, dim = axes_.dim, inner = axes_.inner;
  const auto m = static_cast<double>(outer * inner);
  const auto channels = [&]<int64_t G>(int64_t d) {
    cpu::WideLanes sum_dt{};
    cpu::WideLanes sum_dt_t{};
    const cpu::Lanes scales = cpu::lanes_of<G>(s + d);
    for (int64_t o = 0; o < outer; ++o) {
      cpu::Lanes bias_sum{};
      cpu::Lanes scale_sum{};
      const auto g = cpu::lane_planes<G>(top_diff, o, d, dim, inner);
      const auto t = cpu::lane_planes<G>(in, o, d, dim, inner);
      if (batch_statistics) {
        cpu::for_each_element(g, t, inner, [&](cpu::Lanes gi, cpu::Lanes ti) {
          bias_sum += gi;
          scale_sum += gi * ti;
          const auto dt = __builtin_convertvector(gi * scales, cpu::WideLanes);
          sum_dt += dt;
          sum_dt_t += dt * __builtin_convertvector(ti, cpu::WideLanes);
        });
      } else {
        cpu::for_each_element(g, t, inner, [&](cpu::Lanes gi, cpu::Lanes ti) {
          bias_sum += gi;
          scale_sum += gi * ti;
        });
      }
      for (int64_t k = 0; k < G; ++k) {
        if (bias_diff != nullptr) bias_diff[d + k] += bias_sum[k];
        scale_diff[d + k] += scale_sum[k];
      }
    }
    if (bottom_diff == nullptr) return;
    for (int64_t k = 0; k < G; ++k) {
      const auto mean_dt = static_cast<float>(sum_dt[k] / m);
      const auto mean_dt_t = static_cast<float>(sum_dt_t[k] / m);
      const float factor = s[d + k], scale = inv_std[d + k];
      for (int64_t o = 0; o < outer; ++o) {
        const int64_t base = (o * dim + d + k) * inner;
        for (int64_t i = base; i < base + inner; ++i) {
          bottom_diff[i] =
              batch_norm_input_gradient(top_diff[i] * factor, in[i], mean_dt, mean_dt_t, scale);
        }
      }
    }
  };
  cpu::run_channel_groups(dim, outer * dim * inner, channels);
}

}  // namespace visage
