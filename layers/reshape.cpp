#include "layers/reshape.hpp"

namespace visage {

void ReshapeLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& shape = param_.reshape_param().shape();
  copied_.clear();
  inferred_ = -1;
  for (int i = 0; i < shape.dim_size(); ++i) {
    const int64_t d = shape.dim(i);
    VISAGE_LAYER_CHECK(d >= -1, "reshape_param.shape dimension ", i, " is ", d,
                       " (allowed: positive, 0 to copy, -1 to infer)");
    if (d == 0) copied_.push_back(i);
    if (d == -1) {
      VISAGE_LAYER_CHECK(inferred_ < 0, "reshape_param.shape has more than one -1 (dimensions ",
                         inferred_, " and ", i, "); only one can be inferred");
      inferred_ = i;
    }
  }
}

void ReshapeLayer::reshape(Tensors bottom, Tensors top) {
  VISAGE_LAYER_CHECK(bottom[0] != top[0], "cannot run in place (its top is a view of the bottom)");
  const Tensor& in = *bottom[0];
  const auto& p = param_.reshape_param();
  const int axes = in.num_axes();
  // Like Caffe, a negative axis counts insertion points from the end: -1 appends after the last.
  const int start = p.axis() >= 0 ? p.axis() : axes + p.axis() + 1;
  VISAGE_LAYER_CHECK(start >= 0 && start <= axes, "reshape_param.axis ", p.axis(),
                     " is out of range for an input of shape ", in.shape_string());
  VISAGE_LAYER_CHECK(p.num_axes() >= -1, "reshape_param.num_axes must be -1 or more, got ",
                     p.num_axes());
  const int end = p.num_axes() == -1 ? axes : start + p.num_axes();
  VISAGE_LAYER_CHECK(end <= axes, "reshape_param.axis ", p.axis(), " with num_axes ", p.num_axes(),
                     " reaches past the last axis of an input of shape ", in.shape_string());

  Shape out(in.shape().begin(), in.shape().begin() + start);
  for (int64_t d : p.shape().dim()) out.push_back(d);
  out.insert(out.end(), in.shape().begin() + end, in.shape().end());
  for (int i : copied_) {
    VISAGE_LAYER_CHECK(start + i < axes, "reshape_param.shape dimension ", i,
                       " is 0 (copy) but the input of shape ", in.shape_string(), " has no axis ",
                       start + i);
    out[start + i] = in.dim(start + i);
  }
  if (inferred_ >= 0) {
    int64_t known = 1;
    for (std::size_t a = 0; a < out.size(); ++a) {
      if (static_cast<int>(a) != start + inferred_) known *= out[a];
    }
    VISAGE_LAYER_CHECK(known > 0 && in.count() % known == 0, "cannot infer the -1 of shape ",
                       to_string(out), " from an input of shape ", in.shape_string(), " (",
                       in.count(), " elements)");
    out[start + inferred_] = in.count() / known;
  }
  VISAGE_LAYER_CHECK(shape_count(out) == in.count(), "output shape ", to_string(out), " has ",
                     shape_count(out), " elements but the input of shape ", in.shape_string(),
                     " has ", in.count());
  top[0]->reshape(out);
  top[0]->share_data(in);
  top[0]->share_diff(in);
}

}  // namespace visage
