// CPU-vs-GPU parity of Split: the tops share the bottom's data; backward sums three gradients.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(SplitGpu, MatchesCpu) {
  TensorList bottom({{3, 7}});
  fill_gaussian(bottom[0], 61);
  expect_cpu_gpu_parity(layer_param("name: 'sp' type: 'Split' top: 'a' top: 'b' top: 'c'"), bottom);
}

}  // namespace
}  // namespace visage::testing
