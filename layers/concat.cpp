#include "layers/concat.hpp"

#include <algorithm>
#include <vector>

#include "layers/sliced_parallel.hpp"

namespace visage {
namespace {

// How many of the outer_ x bottoms slabs make a block of about 32K floats (top_row floats being
// one outer index's slabs).
int64_t slabs_per_block(int64_t top_row, int64_t slabs) {
  return std::max<int64_t>((int64_t{1} << 15) * slabs / std::max<int64_t>(top_row, 1), 1);
}

}  // namespace

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

// Both passes copy slabs (one bottom's part of one outer index), in blocks of about 32K floats
// handed to the BLAS threads as they come free.
void ConcatLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  if (bottom.size() == 1) return;
  float* out = top[0]->mutable_data().data();
  const int64_t top_row = top[0]->dim(axis_) * inner_;
  const auto slabs = static_cast<int64_t>(bottom.size());
  std::vector<int64_t> offsets{0};  // of each bottom's slab within a top row
  std::vector<const float*> ins;
  for (const Tensor* b : bottom) {
    offsets.push_back(offsets.back() + b->dim(axis_) * inner_);
    ins.push_back(b->data().data());
  }
  cpu::run_blocks(outer_ * slabs, slabs_per_block(top_row, slabs),
                  cpu::elementwise_workers(top[0]->count()), [&](int64_t first, int64_t end, int) {
                    for (int64_t item = first; item < end; ++item) {
                      const int64_t n = item / slabs, b = item % slabs;
                      const int64_t row = offsets[b + 1] - offsets[b];
                      std::copy_n(ins[b] + n * row, row, out + n * top_row + offsets[b]);
                    }
                  });
}

void ConcatLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                               Tensors bottom) {
  if (bottom.size() == 1) return;
  const float* top_diff = top[0]->diff().data();
  const int64_t top_row = top[0]->dim(axis_) * inner_;
  const auto slabs = static_cast<int64_t>(bottom.size());
  std::vector<int64_t> offsets{0};
  std::vector<float*> diffs;  // null where no gradient is wanted
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    offsets.push_back(offsets.back() + bottom[b]->dim(axis_) * inner_);
    diffs.push_back(propagate_down[b] ? bottom[b]->mutable_diff().data() : nullptr);
  }
  cpu::run_blocks(outer_ * slabs, slabs_per_block(top_row, slabs),
                  cpu::elementwise_workers(top[0]->count()), [&](int64_t first, int64_t end, int) {
                    for (int64_t item = first; item < end; ++item) {
                      const int64_t n = item / slabs, b = item % slabs;
                      if (diffs[b] == nullptr) continue;
                      const int64_t row = offsets[b + 1] - offsets[b];
                      std::copy_n(top_diff + n * top_row + offsets[b], row, diffs[b] + n * row);
                    }
                  });
}

}  // namespace visage
