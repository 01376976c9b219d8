#include "layers/maxout.hpp"

namespace visage {

void MaxoutLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  pieces_ = param_.maxout_param().pieces();
  VISAGE_LAYER_CHECK(pieces_ >= 1, "maxout_param.pieces must be at least 1, got ", pieces_);
}

void MaxoutLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() >= 2, "needs an input with a channel axis (N, C, ...), got ",
                     in.shape_string());
  const int64_t channels = in.dim(1);
  VISAGE_LAYER_CHECK(channels % pieces_ == 0, "the input's ", channels, " channels (shape ",
                     in.shape_string(), ") are not divisible by pieces ", pieces_);
  outer_ = in.dim(0);
  units_ = channels / pieces_;
  inner_ = in.count(2);
  Shape out = in.shape();
  out[1] = units_;
  top[0]->reshape(out);
  argmax_.reshape(out);
}

void MaxoutLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto out = top[0]->mutable_data();
  const auto winner = argmax_.mutable_data();
  for (int64_t n = 0; n < outer_; ++n) {
    for (int64_t c = 0; c < units_; ++c) {
      const int64_t first = (n * units_ * pieces_ + c * pieces_) * inner_;
      const int64_t o = (n * units_ + c) * inner_;
      for (int64_t s = 0; s < inner_; ++s) {
        int64_t best = 0;
        float value = in[first + s];
        for (int64_t j = 1; j < pieces_; ++j) {
          const float candidate = in[first + j * inner_ + s];
          if (candidate > value) {
            value = candidate;
            best = j;
          }
        }
        out[o + s] = value;
        winner[o + s] = static_cast<float>(best);
      }
    }
  }
}

void MaxoutLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                               Tensors bottom) {
  if (!propagate_down[0]) return;
  const auto top_diff = top[0]->diff();
  const auto winner = argmax_.data();
  const auto bottom_diff = bottom[0]->mutable_diff();
  // Every input belongs to exactly one output, so each is written once: no zeroing pass needed.
  for (int64_t n = 0; n < outer_; ++n) {
    for (int64_t c = 0; c < units_; ++c) {
      const int64_t first = (n * units_ * pieces_ + c * pieces_) * inner_;
      const int64_t o = (n * units_ + c) * inner_;
      for (int64_t j = 0; j < pieces_; ++j) {
        for (int64_t s = 0; s < inner_; ++s) {
          const bool won = static_cast<int64_t>(winner[o + s]) == j;
          bottom_diff[first + j * inner_ + s] = won ? top_diff[o + s] : 0.0f;
        }
      }
    }
  }
}

}  // namespace visage
