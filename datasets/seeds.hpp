// Seeds derived from a run's seed and coordinates (epoch, batch, position), so that every random
// decision has its own stream: results then depend on what is computed, never on which thread
// computed it or in which order.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "core/hash.hpp"
#include "core/rng.hpp"

namespace visage::data {

constexpr uint64_t derive_seed(uint64_t seed, std::initializer_list<uint64_t> coordinates) {
  uint64_t h = mix64(seed);
  for (uint64_t c : coordinates) h = mix64(h ^ c);
  return h;
}

inline Rng derive_rng(uint64_t seed, std::initializer_list<uint64_t> coordinates) {
  return Rng(derive_seed(seed, coordinates));
}

}  // namespace visage::data
