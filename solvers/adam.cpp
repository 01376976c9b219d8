#include "solvers/adam.hpp"

#include <cmath>

#include "core/error.hpp"
#include "solvers/fused_update_cpu.hpp"

namespace visage {

AdamRule::AdamRule(float beta1, float beta2, float delta, std::span<const ParamSlot> slots,
                   int64_t num_params)
    : UpdateRule(slots, num_params),
      beta1_(beta1),
      beta2_(beta2),
      delta_(delta),
      first_moment_(add_history("first_moment")),
      second_moment_(add_history("second_moment")),
      steps_taken_(add_history("steps_taken", Shape{1})) {
  VISAGE_CHECK(beta1 >= 0 && beta1 < 1, "solver: Adam momentum (beta1) must be in [0, 1), got ",
               beta1);
  VISAGE_CHECK(beta2 >= 0 && beta2 < 1, "solver: Adam momentum2 (beta2) must be in [0, 1), got ",
               beta2);
  VISAGE_CHECK(delta > 0, "solver: Adam delta must be > 0, got ", delta);
}

float AdamRule::advance() {
  float& count = steps_taken_.mutable_data()[0];
  count += 1;
  const double t = count;
  // In double, then rounded once: the same float for the CPU loop and the kernel argument.
  return static_cast<float>(std::sqrt(1 - std::pow(double{beta2_}, t)) /
                            (1 - std::pow(double{beta1_}, t)));
}

void AdamRule::apply_cpu(Context&, Tensor& params, const UpdateStep& step) {
  const float correction = advance();
  fused::update_on_cpu(
      slots(), params, step,
      AdamElement{first_moment_.mutable_data().data(), second_moment_.mutable_data().data(), beta1_,
                  beta2_, delta_, correction});
}

}  // namespace visage
