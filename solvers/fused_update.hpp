// What every update rule shares, compiled for both halves: the slot's learning rate, the gradient
// the rule sees (scaled, plus weight decay) and arithmetic that rounds each operation on its own.
// A rule writes its per-element formula once, as an "element" functor
//   float operator()(int64_t i, float gradient, float rate) const
// that updates its history at i and returns the amount subtracted from w[i]; update_on_cpu() runs
// it in a loop and cuda/fused_update.cuh in one kernel launch. nvcc would fuse a * b + c into an
// FMA and change the rounding, so the device side spells every operation as __f*_rn: the same
// expressions, evaluated in the same order, make CPU and GPU agree bit for bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "core/host_device.hpp"
#include "solvers/update_rule.hpp"

namespace visage::fused {

VISAGE_HOST_DEVICE inline float mul(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

VISAGE_HOST_DEVICE inline float add(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

VISAGE_HOST_DEVICE inline float sub(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

VISAGE_HOST_DEVICE inline float div(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

VISAGE_HOST_DEVICE inline float sqrt(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

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

// rate * numerator / (sqrt(second_moment) + delta): the adaptive step of AdaGrad, RMSProp and Adam,
// in Caffe's order of operations.
VISAGE_HOST_DEVICE inline float adaptive_step(float rate, float numerator, float second_moment,
                                              float delta) {
  return mul(rate, div(numerator, add(sqrt(second_moment), delta)));
}

// One pass over the parameter buffer, slot by slot.
template <typename Element>
void update_on_cpu(std::span<const SlotRange> slots, Tensor& params, const UpdateStep& step,
                   const Element& element) {
  float* w = params.mutable_data().data();
  const float* diff = params.diff().data();
  int64_t begin = 0;
  for (const SlotRange& slot : slots) {
    for (int64_t i = begin; i < slot.end; ++i) {
      const ElementInput in = element_input(step, slot, w[i], diff[i]);
      w[i] = sub(w[i], element(i, in.gradient, in.rate));
    }
    begin = slot.end;
  }
}

}  // namespace visage::fused
