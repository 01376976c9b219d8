// The dropout mask as a pure function of (seed, element index): a SplitMix64 hash turned into a
// uniform number with 24 random bits. The CPU and GPU halves of Dropout both call it (constexpr
// functions are usable in device code with nvcc's --expt-relaxed-constexpr), so for one seed they
// draw bit-identical masks, forward and backward recompute the mask instead of storing it, and the
// mask needs no cuRAND state.
#pragma once

#include <cstdint>

#include "core/hash.hpp"

namespace visage::dropout {

// The index-th output of a SplitMix64 generator seeded with `seed`.
constexpr uint64_t mix(uint64_t seed, uint64_t index) { return mix64(seed + index * kGoldenGamma); }

// Uniform in [0, 1); exact in float (a 24-bit integer times 2^-24).
constexpr float uniform(uint64_t seed, uint64_t index) {
  return static_cast<float>(static_cast<uint32_t>(mix(seed, index) >> 40)) * 0x1p-24f;
}

// Element `index` survives with probability 1 - ratio.
constexpr bool kept(uint64_t seed, uint64_t index, float ratio) {
  return uniform(seed, index) >= ratio;
}

}  // namespace visage::dropout
