// CPU-vs-GPU parity of Softmax, over the channels of an image-shaped input and over a row of more
// classes than a warp has lanes. Tolerance 1e-4 relative: expf and the summation order differ.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(SoftmaxGpu, MatchesCpu) {
  TensorList image({{2, 5, 3, 4}});
  fill_gaussian(image[0], 51, 0.0f, 3.0f);
  expect_cpu_gpu_parity(layer_param("name: 's' type: 'Softmax'"), image);

  TensorList rows({{3, 1000}});
  fill_gaussian(rows[0], 52, 0.0f, 3.0f);
  expect_cpu_gpu_parity(layer_param("name: 's' type: 'Softmax' softmax_param { axis: -1 }"), rows);
}

}  // namespace
}  // namespace visage::testing
