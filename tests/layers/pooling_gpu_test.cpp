// Pooling on the GPU against the CPU, every method. Tolerance: rel 1e-5, abs 1e-6 (MAX is exact;
// AVE and L2 sum the same window in the same order, and backward gathers what the CPU scatters).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(PoolingGpu, MatchesCpu) {
  VISAGE_REQUIRE_GPU();
  const std::vector<std::pair<std::string, Shape>> cases = {
      {"kernel_size: 3 stride: 2", {2, 3, 15, 14}},
      {"kernel_size: 2 stride: 2 pad: 1", {1, 4, 9, 9}},
      {"kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1", {2, 2, 6, 7}},
      {"kernel_size: 3 stride: 1 pad: 1", {2, 8, 12, 12}},
      {"kernel_size: 3 stride: 2 round_mode: FLOOR", {1, 2, 10, 11}},
      {"global_pooling: true", {3, 5, 7, 7}},
  };
  ParityOptions options;
  options.rel_tolerance = 1e-5f;
  options.abs_tolerance = 1e-6f;
  for (const char* method : {"MAX", "AVE", "L2"}) {
    for (const auto& [settings, shape] : cases) {
      TensorList bottom({shape});
      fill_gaussian(bottom[0], 23);
      SCOPED_TRACE(std::string(method) + " " + settings);
      expect_cpu_gpu_parity(layer_param(std::string("name: 'pool' type: 'Pooling' pooling_param "
                                                    "{ pool: ") +
                                        method + " " + settings + " }"),
                            bottom, options);
    }
  }
}

}  // namespace
}  // namespace visage::testing
