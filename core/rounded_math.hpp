// Float arithmetic that rounds each operation on its own, compiled for both halves. nvcc fuses
// a * b + c into one FMA (one rounding instead of two) unless told otherwise, so a formula that
// must give the same bits on CPU and GPU spells its operations with these: the device side uses
// the __f*_rn intrinsics, which nvcc never contracts, the host side the plain operators (GCC does
// not contract in ISO C++ mode). Used by the update rules (solvers/fused_update.hpp) and the
// triplet loss (losses/triplet_math.hpp).
#pragma once

#include <cmath>

#include "core/host_device.hpp"

namespace visage::rounded {

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

// max(a, 0) that keeps NaN (std::max and fmaxf would not agree on it).
VISAGE_HOST_DEVICE inline float clamp_at_zero(float a) { return a < 0.0f ? 0.0f : a; }

}  // namespace visage::rounded
