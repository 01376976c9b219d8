// Seeds derived from a run's seed and coordinates (epoch, batch, position), so that every random
// decision has its own stream: results then depend on what is computed, never on which thread
// computed it or in which order.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "core/rng.hpp"

namespace visage::data {

// SplitMix64's finaliser: a bijective mixer whose outputs for nearby inputs are unrelated.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

constexpr uint64_t derive_seed(uint64_t seed, std::initializer_list<uint64_t> coordinates) {
  uint64_t h = mix64(seed);
  for (uint64_t c : coordinates) h = mix64(h ^ c);
  return h;
}

inline Rng derive_rng(uint64_t seed, std::initializer_list<uint64_t> coordinates) {
  return Rng(derive_seed(seed, coordinates));
}

}  // namespace visage::data
