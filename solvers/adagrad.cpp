#include "solvers/adagrad.hpp"

#include "core/error.hpp"
#include "solvers/fused_update_cpu.hpp"

namespace visage {

AdaGradRule::AdaGradRule(float delta, std::span<const ParamSlot> slots, int64_t num_params)
    : UpdateRule(slots, num_params),
      delta_(delta),
      squared_sum_(add_history("squared_gradient_sum")) {
  VISAGE_CHECK(delta > 0, "solver: AdaGrad delta must be > 0, got ", delta);
}

void AdaGradRule::apply_cpu(Context&, Tensor& params, const UpdateStep& step) {
  fused::update_on_cpu(slots(), params, step,
                       AdaGradElement{squared_sum_.mutable_data().data(), delta_});
}

}  // namespace visage
