// Maxout CPU vs GPU. Pure selection and copying, so the two must agree exactly (tolerance 0); the
// inputs are Gaussian, so ties (where the devices could only differ by a tie rule) do not occur.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(MaxoutGpu, MatchesCpu) {
  for (const auto& shape : {Shape{1, 4}, Shape{5, 6, 7, 3}, Shape{2, 12, 5, 5}}) {
    TensorList bottom({shape});
    fill_gaussian(bottom[0], 3);
    expect_cpu_gpu_parity(layer_param("name: 'mo' type: 'Maxout' maxout_param { pieces: 2 }"),
                          bottom, {.rel_tolerance = 0, .abs_tolerance = 0});
  }
  TensorList bottom({{3, 9, 2, 2}});
  fill_gaussian(bottom[0], 4);
  expect_cpu_gpu_parity(layer_param("name: 'mo' type: 'Maxout' maxout_param { pieces: 3 }"), bottom,
                        {.rel_tolerance = 0, .abs_tolerance = 0});
}

}  // namespace
}  // namespace visage::testing
