#include "layers/concat.hpp"

#include <algorithm>

namespace visage {

void ConcatLayer::reshape(Tensors bottom, Tensors top) {
  const auto& p = param_.concat_param();
  const Tensor& first = *bottom[0];
  const int axes = first.num_axes();
  if (p.has_concat_dim()) {
    VISAGE_LAYER_CHECK(!p.has_axis(),
                       "set either concat_param.axis or the legacy concat_dim, not both");
    VISAGE_LAYER_CHECK(static_cast<int>(p.concat_dim()) < axes, "concat_dim ", p.concat_dim(),
                       " is out of range for an input of shape ", first.shape_string());
    axis_ = static_cast<int>(p.concat_dim());
  } else {
    VISAGE_LAYER_CHECK(p.axis() >= -axes && p.axis() < axes, "axis ", p.axis(),
                       " is out of range for an input of shape ", first.shape_string());
    axis_ = canonical_axis(p.axis(), axes);
  }
  Shape out = first.shape();
  for (std::size_t b = 1; b < bottom.size(); ++b) {
    const Tensor& in = *bottom[b];
    bool agrees = in.num_axes() == axes;
    for (int a = 0; agrees && a < axes; ++a) agrees = a == axis_ || in.dim(a) == first.dim(a);
    VISAGE_LAYER_CHECK(agrees, "bottom ", b, " of shape ", in.shape_string(),
                       " does not match bottom 0 of shape ", first.shape_string(),
                       " on the axes other than the concatenation axis ", axis_);
    out[axis_] += in.dim(axis_);
  }
  outer_ = first.count(0, axis_);
  inner_ = first.count(axis_ + 1);
  top[0]->reshape(out);
  if (bottom.size() == 1) {
    top[0]->share_data(first);
    top[0]->share_diff(first);
  }
}

void ConcatLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  if (bottom.size() == 1) return;
  float* out = top[0]->mutable_data().data();
  const int64_t top_row = top[0]->dim(axis_) * inner_;
  int64_t offset = 0;
  for (const Tensor* b : bottom) {
    const int64_t row = b->dim(axis_) * inner_;
    const float* in = b->data().data();
    for (int64_t n = 0; n < outer_; ++n) {
      std::copy_n(in + n * row, row, out + n * top_row + offset);
    }
    offset += row;
  }
}

void ConcatLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                               Tensors bottom) {
  if (bottom.size() == 1) return;
  const float* top_diff = top[0]->diff().data();
  const int64_t top_row = top[0]->dim(axis_) * inner_;
  int64_t offset = 0;
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    const int64_t row = bottom[b]->dim(axis_) * inner_;
    if (propagate_down[b]) {
      float* in_diff = bottom[b]->mutable_diff().data();
      for (int64_t n = 0; n < outer_; ++n) {
        std::copy_n(top_diff + n * top_row + offset, row, in_diff + n * row);
      }
    }
    offset += row;
  }
}

}  // namespace visage
