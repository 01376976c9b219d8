#include "layers/flatten.hpp"

namespace visage {

void FlattenLayer::reshape(Tensors bottom, Tensors top) {
  VISAGE_LAYER_CHECK(bottom[0] != top[0], "cannot run in place (its top is a view of the bottom)");
  const Tensor& in = *bottom[0];
  const auto& p = param_.flatten_param();
  const int axes = in.num_axes();
  VISAGE_LAYER_CHECK(
      p.axis() >= -axes && p.axis() < axes && p.end_axis() >= -axes && p.end_axis() < axes, "axis ",
      p.axis(), " or end_axis ", p.end_axis(), " is out of range for an input of shape ",
      in.shape_string());
  const int first = canonical_axis(p.axis(), axes);
  const int last = canonical_axis(p.end_axis(), axes);
  VISAGE_LAYER_CHECK(first <= last, "axis ", p.axis(), " comes after end_axis ", p.end_axis(),
                     " for an input of shape ", in.shape_string());
  Shape out(in.shape().begin(), in.shape().begin() + first);
  out.push_back(in.count(first, last + 1));
  out.insert(out.end(), in.shape().begin() + last + 1, in.shape().end());
  top[0]->reshape(out);
  top[0]->share_data(in);
  top[0]->share_diff(in);
}

}  // namespace visage
