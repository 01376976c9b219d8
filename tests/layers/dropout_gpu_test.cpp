// Dropout CPU vs GPU. Both halves hash (seed, index) into the mask and both contexts start from
// the same seed, so TRAIN masks are bit-identical and the outputs agree exactly (tolerance 0: a
// product with the same float scale on both sides).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(DropoutGpu, TrainMaskAndScaleMatchCpu) {
  for (const auto& shape : {Shape{1, 1}, Shape{3, 7, 5, 2}, Shape{64, 4096}}) {
    TensorList bottom({shape});
    fill_gaussian(bottom[0], 2);
    expect_cpu_gpu_parity(
        layer_param("name: 'd' type: 'Dropout' dropout_param { dropout_ratio: 0.3 }"), bottom,
        {.rel_tolerance = 0, .abs_tolerance = 0});
  }
}

TEST(DropoutGpu, TestPhaseMatchesCpu) {
  TensorList bottom({{4, 9}});
  fill_gaussian(bottom[0], 5);
  expect_cpu_gpu_parity(layer_param("name: 'd' type: 'Dropout' phase: TEST"), bottom,
                        {.rel_tolerance = 0, .abs_tolerance = 0});
}

}  // namespace
}  // namespace visage::testing
