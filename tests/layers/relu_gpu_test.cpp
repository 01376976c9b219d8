// CPU-vs-GPU parity of ReLU: elementwise, so the default tolerance (1e-4 relative) is generous.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(ReLUGpu, MatchesCpu) {
  for (const char* slope : {"0", "0.1"}) {
    TensorList bottom({{4, 3, 5, 7}});
    fill_gaussian(bottom[0], 41);
    expect_cpu_gpu_parity(
        layer_param(std::string("name: 'r' type: 'ReLU' relu_param { negative_slope: ") + slope +
                    " }"),
        bottom);
  }
}

}  // namespace
}  // namespace visage::testing
