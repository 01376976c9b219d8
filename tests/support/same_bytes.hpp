// Bit-for-bit equality of two float buffers: resumed runs and CPU-vs-GPU update rules must agree
// exactly, and EXPECT_EQ on floats would also accept -0 for +0 and reject NaN for NaN.
#pragma once

#include <cstring>
#include <span>

namespace visage::testing {

inline bool same_bytes(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

}  // namespace visage::testing
