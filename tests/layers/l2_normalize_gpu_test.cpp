// L2Normalize CPU vs GPU: the guard against Darknet's bug, whose CPU and GPU L2-norm layers
// compute different things. The CPU sums in double, the GPU in a float tree, so allow relative
// 1e-5 plus absolute 1e-6 (values are O(1 / sqrt(dim)), gradients O(1)).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(L2NormalizeGpu, MatchesCpu) {
  for (const auto& shape : {Shape{1, 3}, Shape{7, 128}, Shape{3, 5, 3, 3}, Shape{2, 1000}}) {
    TensorList bottom({shape});
    fill_gaussian(bottom[0], 9);
    expect_cpu_gpu_parity(layer_param("name: 'l2' type: 'L2Normalize'"), bottom,
                          {.rel_tolerance = 1e-5f, .abs_tolerance = 1e-6f});
  }
}

TEST(L2NormalizeGpu, MatchesCpuOnZeroAndTinyVectors) {
  TensorList bottom({{3, 4}});
  set_values(bottom[0], {0, 0, 0, 0, 1e-4f, -2e-4f, 0, 3e-4f, 1, 2, 3, 4});
  expect_cpu_gpu_parity(
      layer_param("name: 'l2' type: 'L2Normalize' l2_normalize_param { eps: 1e-6 }"), bottom,
      {.rel_tolerance = 1e-5f, .abs_tolerance = 1e-5f});
}

}  // namespace
}  // namespace visage::testing
