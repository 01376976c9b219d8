// SplitMix64's finaliser, the one 64-bit mixer behind every counter-based random stream in Visage
// (data seeds, dropout masks, the synthetic renderer): bijective, with outputs for nearby inputs
// unrelated. constexpr, so CUDA kernels call it too (nvcc's --expt-relaxed-constexpr).
#pragma once

#include <cstdint>

namespace visage {

constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The golden-ratio increment of SplitMix64's state: mix64(seed + i * kGoldenGamma) is the i-th
// output of a SplitMix64 generator started at `seed`.
inline constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

}  // namespace visage
