// PReLU CPU vs GPU. Elementwise values agree to rounding; the slope gradient is a sum over the
// batch in a different order on each device, so allow relative 1e-4 plus absolute 1e-4.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(PReLUGpu, MatchesCpu) {
  for (const std::string settings : {"", "channel_shared: true"}) {
    for (const auto& shape : {Shape{1, 3}, Shape{4, 6, 5, 7}}) {
      TensorList bottom({shape});
      fill_gaussian(bottom[0], 8);
      expect_cpu_gpu_parity(layer_param("name: 'p' type: 'PReLU' prelu_param { " + settings +
                                        " filler { type: 'uniform' min: -1 max: 1 } }"),
                            bottom, {.rel_tolerance = 1e-4f, .abs_tolerance = 1e-4f});
    }
  }
}

}  // namespace
}  // namespace visage::testing
