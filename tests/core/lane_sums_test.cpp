#include "core/lane_sums.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace visage {
namespace {

// 1 followed by many terms each below half an ulp of 1 in float: a float running sum never moves
// off 1, a double one (and the lanes) keeps them all. Lengths around the lane count check that the
// tail is neither dropped nor counted twice.
TEST(LaneSums, KeepWhatAFloatSumLosesAndCountEveryElement) {
  for (const int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 1001}) {
    std::vector<float> x(static_cast<size_t>(n), 1e-8f);
    if (n > 0) x[0] = 1.0f;
    cpu::LaneSums sums;
    sums.add(x.data(), n);
    const double expected = n == 0 ? 0.0 : 1.0 + static_cast<double>(n - 1) * double{1e-8f};
    EXPECT_NEAR(sums.total(), expected, 1e-13) << "n = " << n;
  }
}

TEST(LaneSums, ProductsAndSquaredDeviationsAcrossCalls) {
  std::vector<float> x, y;
  for (int i = 0; i < 37; ++i) {
    x.push_back(0.25f * static_cast<float>(i) - 3.0f);
    y.push_back(std::ldexp(1.0f, i % 5) - 7.5f);
  }
  double products = 0, squares = 0;
  const double centre = 0.75;
  for (size_t i = 0; i < x.size(); ++i) {
    products += double{x[i]} * y[i];
    squares += (x[i] - centre) * (x[i] - centre);
  }
  // Split into calls of 13 and 24 elements, as BatchNorm adds one (image, channel) plane per call.
  cpu::LaneSums product_sums, square_sums;
  for (const auto& [first, count] : {std::pair{0, 13}, std::pair{13, 24}}) {
    product_sums.add_products(&x[first], &y[first], count);
    square_sums.add_squared_deviations(&x[first], centre, count);
  }
  // Every term and partial sum here is exact in double, so any order gives the same digits.
  EXPECT_EQ(product_sums.total(), products);
  EXPECT_EQ(square_sums.total(), squares);
}

}  // namespace
}  // namespace visage
