// Counter-based random numbers for the synthetic face generator. Every draw is a pure function of
// (seed, identity, image index, purpose tag, position in that purpose's sequence), so an image's
// pixels never depend on which images were rendered before it, in which order, or on which thread.
// Each purpose (head shape, eyes, lighting, ...) has its own tag: adding a draw to one purpose
// leaves the faces drawn by the others unchanged.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include "core/hash.hpp"

namespace visage::synthetic {

constexpr uint64_t hash_combine(uint64_t state, uint64_t value) {
  return mix64(state ^ mix64(value));
}

// Purpose tags, one per independent family of draws.
enum class Purpose : uint64_t {
  head = 1,
  eyes,
  brows,
  nose,
  mouth,
  skin,
  hair,
  texture,
  facial_hair,
  pose = 100,
  lighting,
  expression,
  occlusion,
  background,
  clothing,
  blur,
  noise,
  compression,
  sensor,        // the per-pixel noise itself (its strength is drawn under `noise`)
  stream = 200,  // the data layer's choice of identities and images
  pairs,         // `visage synth`'s choice of verification pairs
};

class HashStream {
 public:
  HashStream(uint64_t seed, int64_t identity, int64_t index, Purpose purpose)
      : key_(hash_combine(hash_combine(hash_combine(mix64(seed), static_cast<uint64_t>(identity)),
                                       static_cast<uint64_t>(index)),
                          static_cast<uint64_t>(purpose))) {}

  uint64_t next_u64() { return mix64(key_ + 0x632be59bd9b4e019ULL * ++counter_); }
  // Uniform in [0, 1) with 24 random bits: exactly representable, identical everywhere.
  float uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }
  float uniform(float low, float high) { return low + uniform() * (high - low); }
  bool chance(float p) { return uniform() < p; }
  // Uniform integer in [0, n); the modulo bias of a 64-bit draw is negligible for the small n here.
  int below(int n) { return static_cast<int>(next_u64() % static_cast<uint64_t>(n)); }
  // Standard normal by Box-Muller (one value per call).
  float gaussian() {
    const float u1 = 1.0f - uniform();  // (0, 1]
    const float u2 = uniform();
    return std::sqrt(-2.0f * std::log(u1)) * std::cos(2.0f * std::numbers::pi_v<float> * u2);
  }
  // Normal with the given spread, clipped to +-limit spreads so that no draw is absurd.
  float normal(float spread, float limit = 2.5f) {
    const float g = gaussian();
    return spread * (g < -limit ? -limit : (g > limit ? limit : g));
  }

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
};

}  // namespace visage::synthetic
