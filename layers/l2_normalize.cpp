#include "layers/l2_normalize.hpp"

#include <cmath>

namespace visage {

void L2NormalizeLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  eps_ = param_.l2_normalize_param().eps();
  VISAGE_LAYER_CHECK(eps_ > 0.0f, "l2_normalize_param.eps must be positive, got ", eps_);
}

void L2NormalizeLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() >= 2,
                     "needs an input of shape (N, ...) with at least 2 axes, got ",
                     in.shape_string());
  samples_ = in.dim(0);
  dim_ = in.count(1);
  top[0]->reshape_like(in);
  scales_.reshape({samples_});
}

void L2NormalizeLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto in = bottom[0]->data();
  const auto out = top[0]->mutable_data();
  const auto scales = scales_.mutable_data();
  for (int64_t n = 0; n < samples_; ++n) {
    const float* x = in.data() + n * dim_;
    double squares = 0;
    for (int64_t i = 0; i < dim_; ++i) squares += double{x[i]} * x[i];
    const auto s = static_cast<float>(std::sqrt(squares + eps_));
    scales[n] = s;
    float* y = out.data() + n * dim_;
    for (int64_t i = 0; i < dim_; ++i) y[i] = x[i] / s;
  }
}

void L2NormalizeLayer::backward_cpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  if (!propagate_down[0]) return;
  const auto out = top[0]->data();
  const auto top_diff = top[0]->diff();
  const auto scales = scales_.data();
  const auto bottom_diff = bottom[0]->mutable_diff();
  for (int64_t n = 0; n < samples_; ++n) {
    const float* y = out.data() + n * dim_;
    const float* dy = top_diff.data() + n * dim_;
    double projection = 0;
    for (int64_t i = 0; i < dim_; ++i) projection += double{y[i]} * dy[i];
    const auto y_dot_dy = static_cast<float>(projection);
    float* dx = bottom_diff.data() + n * dim_;
    for (int64_t i = 0; i < dim_; ++i) dx[i] = (dy[i] - y[i] * y_dot_dy) / scales[n];
  }
}

}  // namespace visage
