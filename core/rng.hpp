// The random number generator of a Context. Uniform and Gaussian draws are computed here from the
// raw 64-bit engine (not with <random>'s distributions, whose algorithms differ between standard
// libraries), so a seed gives the same numbers on every machine and its state can be snapshotted.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace visage {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) : engine_(seed) {}

  uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  float uniform(float low, float high) {
    return low + static_cast<float>(uniform()) * (high - low);
  }
  // Uniform integer in [0, n), without modulo bias.
  uint64_t below(uint64_t n);
  // Box-Muller, one value per call (the second is discarded to keep the state simple).
  float gaussian(float mean, float stddev);
  bool bernoulli(double p) { return uniform() < p; }

  std::string state() const;
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
};

}  // namespace visage
