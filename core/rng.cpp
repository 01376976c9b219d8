#include "core/rng.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "core/error.hpp"

namespace visage {

uint64_t Rng::below(uint64_t n) {
  VISAGE_CHECK(n > 0, "Rng::below(0)");
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x = engine_();
  while (x >= limit) x = engine_();
  return x % n;
}

float Rng::gaussian(float mean, float stddev) {
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  return mean + stddev * static_cast<float>(z);
}

std::string Rng::state() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

void Rng::set_state(const std::string& state) {
  std::istringstream in(state);
  in >> engine_;
  VISAGE_CHECK(!in.fail(), "corrupt random number generator state (", state.size(), " bytes)");
}

}  // namespace visage
