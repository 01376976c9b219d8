// A synthetic face config with the given seed, size and channels, everything else at its default:
// the starting point of the synthetic renderer's and data layer's tests.
#pragma once

#include <cstdint>

#include "synthetic/face.hpp"

namespace visage::testing {

inline synthetic::SyntheticFaceConfig face_config(uint64_t seed, int size, int channels = 3) {
  synthetic::SyntheticFaceConfig config;
  config.seed = seed;
  config.size = size;
  config.channels = channels;
  return config;
}

}  // namespace visage::testing
