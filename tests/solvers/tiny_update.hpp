// The tiny problem every update rule is checked against by hand: three parameters in two slots,
// [w0 w1] with lr_mult 1, decay_mult 1 and [w2] with lr_mult 2, decay_mult 0, at
// w = (1, -2, 3) with the accumulated gradient diff = (0.5, 0.25, -1). The standard step is
// rate 0.1, iter_size 2 (gradient_scale 0.5), weight_decay 0.01 (L2), so the gradients the rule
// sees at the first step are g = (0.26, 0.105, -0.5) and the slot rates lr = (0.1, 0.1, 0.2).
#pragma once

#include <algorithm>
#include <vector>

#include "solvers/update_rule.hpp"

namespace visage::testing {

inline std::vector<ParamSlot> tiny_slots() {
  return {ParamSlot{"ip", 0, {2}, 0, 2, 1.0f, 1.0f}, ParamSlot{"ip", 1, {1}, 2, 1, 2.0f, 0.0f}};
}

inline constexpr UpdateStep kTinyStep{0.1f, 0.5f, 0.01f, Regularization::l2};

struct TinyParams {
  Tensor params{Shape{3}};
  TinyParams() {
    const float w[] = {1.0f, -2.0f, 3.0f};
    const float g[] = {0.5f, 0.25f, -1.0f};
    std::ranges::copy(w, params.mutable_data().begin());
    std::ranges::copy(g, params.mutable_diff().begin());
  }
  float w(int i) const { return params.data()[i]; }
};

}  // namespace visage::testing
