// Concat CPU vs GPU: pure copies, so they must agree exactly (tolerance 0).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(ConcatGpu, MatchesCpuOnEveryAxis) {
  for (const std::string axis : {"0", "1", "2", "-1"}) {
    Shape other = {2, 3, 4, 5};
    const int a = axis == "-1" ? 3 : std::stoi(axis);
    other[a] = 1;
    TensorList bottom({{2, 3, 4, 5}, other, {2, 3, 4, 5}});
    for (int b = 0; b < 3; ++b) fill_gaussian(bottom[b], 10 + b);
    expect_cpu_gpu_parity(
        layer_param("name: 'c' type: 'Concat' concat_param { axis: " + axis + " }"), bottom,
        {.rel_tolerance = 0, .abs_tolerance = 0});
  }
}

}  // namespace
}  // namespace visage::testing
