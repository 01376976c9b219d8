#include "solvers/rmsprop.hpp"

#include "core/error.hpp"
#include "solvers/fused_update_cpu.hpp"

namespace visage {

RmsPropRule::RmsPropRule(float rms_decay, float delta, std::span<const ParamSlot> slots,
                         int64_t num_params)
    : UpdateRule(slots, num_params),
      rms_decay_(rms_decay),
      delta_(delta),
      mean_square_(add_history("mean_squared_gradient")) {
  VISAGE_CHECK(rms_decay >= 0 && rms_decay < 1, "solver: rms_decay must be in [0, 1), got ",
               rms_decay);
  VISAGE_CHECK(delta > 0, "solver: RMSProp delta must be > 0, got ", delta);
}

void RmsPropRule::apply_cpu(Context&, Tensor& params, const UpdateStep& step) {
  fused::update_on_cpu(slots(), params, step,
                       RmsPropElement{mean_square_.mutable_data().data(), rms_decay_, delta_});
}

}  // namespace visage
