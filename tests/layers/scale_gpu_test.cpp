// Scale and Bias CPU vs GPU. Outputs and input gradients are elementwise (equal up to a fused
// multiply-add's rounding); parameter gradients are sums over the batch in a different order on
// each device, so allow relative 1e-4 plus absolute 1e-4.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

constexpr ParityOptions kScaleTolerance{.rel_tolerance = 1e-4f, .abs_tolerance = 1e-4f};

TEST(ScaleGpu, LearnedScaleAndBiasMatchCpu) {
  for (const std::string settings :
       {"bias_term: true", "axis: 1 num_axes: 2", "num_axes: 0 bias_term: true"}) {
    TensorList bottom({{4, 3, 5, 6}});
    fill_gaussian(bottom[0], 31);
    expect_cpu_gpu_parity(layer_param("name: 's' type: 'Scale' scale_param { " + settings +
                                      " filler { type: 'gaussian' std: 1 }"
                                      " bias_filler { type: 'gaussian' std: 1 } }"),
                          bottom, kScaleTolerance);
  }
}

TEST(ScaleGpu, ScaleBottomMatchesCpu) {
  TensorList bottom({{4, 3, 5, 6}, {3, 5}});
  fill_gaussian(bottom[0], 32);
  fill_gaussian(bottom[1], 33);
  expect_cpu_gpu_parity(layer_param("name: 's' type: 'Scale' scale_param { axis: 1 }"), bottom,
                        kScaleTolerance);
}

TEST(BiasGpu, MatchesCpu) {
  TensorList bottom({{4, 3, 5, 6}});
  fill_gaussian(bottom[0], 34);
  expect_cpu_gpu_parity(
      layer_param("name: 'b' type: 'Bias' bias_param { filler { type: 'gaussian' std: 1 } }"),
      bottom, kScaleTolerance);
  TensorList two({{2, 3, 4}, {3, 4}});
  fill_gaussian(two[0], 35);
  fill_gaussian(two[1], 36);
  expect_cpu_gpu_parity(layer_param("name: 'b' type: 'Bias'"), two, kScaleTolerance);
}

}  // namespace
}  // namespace visage::testing
