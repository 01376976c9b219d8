// CenterLoss on the GPU against the CPU: loss, feature gradient and the centers' update.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(CenterLossGpu, MatchesCpu) {
  TensorList bottom({{96, 128}, {96}});
  fill_gaussian(bottom[0], 5);
  fill_labels(bottom[1], 6, 40);
  expect_cpu_gpu_parity(
      layer_param("name: 'center' type: 'CenterLoss' center_loss_param { num_output: 40 alpha: 0.5 "
                  "center_filler { type: 'gaussian' std: 1 } }"),
      bottom);
}

}  // namespace
}  // namespace visage::testing
