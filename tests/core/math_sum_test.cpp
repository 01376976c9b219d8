#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/math.hpp"

namespace visage {
namespace {

// Every length from none to a few lanes past 16, and long ones: small integers add up exactly
// in any order, so the result must be the exact sum.
TEST(MathSum, AddsEveryValueForEveryLength) {
  for (const int64_t n : {0, 1, 2, 15, 16, 17, 31, 32, 33, 1000, 3136}) {
    std::vector<float> x(n);
    double exact = 0;
    for (int64_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(i % 7) - 2.0f;
      exact += x[i];
    }
    EXPECT_EQ(cpu::sum(n, x.data()), static_cast<float>(exact)) << n << " values";
  }
}

// Random values: within float rounding of the sum in double, and the same bits on every call.
TEST(MathSum, IsCloseToTheExactSumAndTheSameEveryTime) {
  std::mt19937 rng(7);
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  std::vector<float> x(100003);
  double exact = 0;
  for (float& v : x) {
    v = gaussian(rng);
    exact += v;
  }
  const float once = cpu::sum(static_cast<int64_t>(x.size()), x.data());
  EXPECT_NEAR(once, exact, 1e-6 * x.size());
  EXPECT_EQ(cpu::sum(static_cast<int64_t>(x.size()), x.data()), once);
}

}  // namespace
}  // namespace visage
