#include "solvers/sgd.hpp"

#include "core/error.hpp"
#include "solvers/fused_update_cpu.hpp"

namespace visage {

SgdRule::SgdRule(float momentum, std::span<const ParamSlot> slots, int64_t num_params)
    : UpdateRule(slots, num_params), momentum_(momentum), velocity_(add_history("momentum")) {
  VISAGE_CHECK(momentum >= 0 && momentum < 1, "solver: momentum must be in [0, 1), got ", momentum);
}

void SgdRule::apply_cpu(Context&, Tensor& params, const UpdateStep& step) {
  fused::update_on_cpu(slots(), params, step,
                       SgdElement{velocity_.mutable_data().data(), momentum_});
}

}  // namespace visage
