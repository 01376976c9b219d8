#include "layers/eltwise.hpp"

#include <algorithm>

namespace visage {

using proto::EltwiseParameter;

void EltwiseLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.eltwise_param();
  op_ = p.operation();
  VISAGE_LAYER_CHECK(p.coeff_size() == 0 || op_ == EltwiseParameter::SUM,
                     "eltwise_param.coeff is only allowed with operation SUM");
  VISAGE_LAYER_CHECK(p.coeff_size() == 0 || p.coeff_size() == static_cast<int>(bottom.size()),
                     "eltwise_param.coeff has ", p.coeff_size(), " values for ", bottom.size(),
                     " bottoms");
  coeffs_.assign(bottom.size(), 1.0f);
  for (int b = 0; b < p.coeff_size(); ++b) coeffs_[b] = p.coeff(b);
}

void EltwiseLayer::reshape(Tensors bottom, Tensors top) {
  for (std::size_t b = 1; b < bottom.size(); ++b) {
    VISAGE_LAYER_CHECK(bottom[b]->shape() == bottom[0]->shape(), "bottom ", b, " has shape ",
                       bottom[b]->shape_string(), " but bottom 0 has shape ",
                       bottom[0]->shape_string());
  }
  top[0]->reshape_like(*bottom[0]);
  if (op_ == EltwiseParameter::MAX) argmax_.reshape_like(*bottom[0]);
}

void EltwiseLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const auto out = top[0]->mutable_data();
  const std::size_t count = out.size();
  switch (op_) {
    case EltwiseParameter::SUM:
      std::ranges::fill(out, 0.0f);
      for (std::size_t b = 0; b < bottom.size(); ++b) {
        const auto in = bottom[b]->data();
        for (std::size_t i = 0; i < count; ++i) out[i] += coeffs_[b] * in[i];
      }
      break;
    case EltwiseParameter::PROD:
      std::ranges::copy(bottom[0]->data(), out.begin());
      for (std::size_t b = 1; b < bottom.size(); ++b) {
        const auto in = bottom[b]->data();
        for (std::size_t i = 0; i < count; ++i) out[i] *= in[i];
      }
      break;
    case EltwiseParameter::MAX: {
      const auto winner = argmax_.mutable_data();
      std::ranges::copy(bottom[0]->data(), out.begin());
      std::ranges::fill(winner, 0.0f);
      for (std::size_t b = 1; b < bottom.size(); ++b) {
        const auto in = bottom[b]->data();
        for (std::size_t i = 0; i < count; ++i) {
          if (in[i] > out[i]) {
            out[i] = in[i];
            winner[i] = static_cast<float>(b);
          }
        }
      }
      break;
    }
  }
}

void EltwiseLayer::backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                                Tensors bottom) {
  const auto top_diff = top[0]->diff();
  const std::size_t count = top_diff.size();
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    if (!propagate_down[b]) continue;
    const auto diff = bottom[b]->mutable_diff();
    switch (op_) {
      case EltwiseParameter::SUM:
        for (std::size_t i = 0; i < count; ++i) diff[i] = coeffs_[b] * top_diff[i];
        break;
      case EltwiseParameter::PROD:
        std::ranges::copy(top_diff, diff.begin());
        for (std::size_t k = 0; k < bottom.size(); ++k) {
          if (k == b) continue;
          const auto other = bottom[k]->data();
          for (std::size_t i = 0; i < count; ++i) diff[i] *= other[i];
        }
        break;
      case EltwiseParameter::MAX: {
        const auto winner = argmax_.data();
        const auto index = static_cast<float>(b);
        for (std::size_t i = 0; i < count; ++i) diff[i] = winner[i] == index ? top_diff[i] : 0.0f;
        break;
      }
    }
  }
}

}  // namespace visage
