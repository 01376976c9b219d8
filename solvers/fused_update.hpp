// What every update rule shares, compiled for both halves: the slot's learning rate, the gradient
// the rule sees (scaled, plus weight decay), and arithmetic that rounds each operation on its own.
// A rule writes its per-element formula once, as an "element" functor
//   float operator()(int64_t i, float gradient, float rate) const
// that updates its history at i and returns the amount subtracted from w[i] (updated_weight);
// solvers/fused_update_cpu.hpp runs it on the CPU and cuda/fused_update.cuh in one kernel launch.
// Every operation is spelled with core/rounded_math.hpp: the same expressions, evaluated in the
// same order and rounded one by one, make CPU and GPU agree bit for bit.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "core/host_device.hpp"
#include "core/rounded_math.hpp"
#include "solvers/update_rule.hpp"

namespace visage::fused {

// The update rules spell their formulas with these (core/rounded_math.hpp).
using rounded::add;
using rounded::div;
using rounded::mul;
using rounded::sqrt;
using rounded::sub;

struct ElementInput {
  float gradient;  // gradient_scale * diff + decay * (w or sign(w))
  float rate;      // step.rate * lr_mult
};

// Caffe's Regularize() for one element, folded into the update pass.
VISAGE_HOST_DEVICE inline ElementInput element_input(const UpdateStep& step, const SlotRange& slot,
                                                     float w, float diff) {
  const float decay = mul(step.weight_decay, slot.decay_mult);
  const float penalty =
      step.regularization == Regularization::l1 ? static_cast<float>((w > 0) - (w < 0)) : w;
  return {add(mul(step.gradient_scale, diff), mul(decay, penalty)), mul(step.rate, slot.lr_mult)};
}

// The updated weight, with denormals (below FLT_MIN in magnitude, not 0) made 0. Weight decay
// shrinks a weight that no gradient feeds geometrically, the faster under Adam, whose step is
// scaled by old gradients' second moment, and such weights end up denormal; every multiply that
// reads one then costs a microcode assist on x86. A 20,000-batch LFW run had 38% of its weights
// denormal at batch 13,544, and its steps had slowed 3x (the GEMMs 10x). NaN and inf stay.
VISAGE_HOST_DEVICE inline float updated_weight(float w, float step) {
  const float updated = sub(w, step);
  return fabsf(updated) < FLT_MIN && updated != 0.0f ? 0.0f : updated;
}

// rate * numerator / (sqrt(second_moment) + delta): the adaptive step of AdaGrad, RMSProp and Adam,
// in Caffe's order of operations.
VISAGE_HOST_DEVICE inline float adaptive_step(float rate, float numerator, float second_moment,
                                              float delta) {
  return mul(rate, div(numerator, add(sqrt(second_moment), delta)));
}

}  // namespace visage::fused
