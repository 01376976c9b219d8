// LocallyConnected on the GPU (gather kernels + cuBLAS strided-batched GEMM) against the CPU
// (the same layouts with OpenBLAS). Tolerance: rel 1e-4, abs 1e-4 (K = C * k * k products per
// output, summed in different orders).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

void expect_locally_connected_parity(const std::string& settings, const Shape& input) {
  TensorList bottom({input});
  fill_gaussian(bottom[0], 19);
  ParityOptions options;
  options.rel_tolerance = 1e-4f;
  options.abs_tolerance = 1e-4f;
  SCOPED_TRACE(settings);
  expect_cpu_gpu_parity(
      layer_param("name: 'lc' type: 'LocallyConnected' locally_connected_param { " + settings +
                  " weight_filler { type: 'gaussian' std: 0.1 } bias_filler { type: 'gaussian' "
                  "std: 0.1 } }"),
      bottom, options);
}

TEST(LocallyConnectedGpu, MatchesCpu) {
  VISAGE_REQUIRE_GPU();
  expect_locally_connected_parity("num_output: 4 kernel_size: 3", {2, 3, 7, 6});
  expect_locally_connected_parity("num_output: 3 kernel_size: 3 stride: 2 pad: 1", {3, 2, 9, 8});
  expect_locally_connected_parity("num_output: 2 kernel_size: 1 bias_term: false", {1, 4, 5, 5});
  expect_locally_connected_parity(
      "num_output: 3 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 2",
      {2, 3, 11, 9});
}

// DeepFace L5's filters (16@7x7/2 over 16 channels, K = 784) on a smaller image.
TEST(LocallyConnectedGpu, MatchesCpuOnDeepFaceSizedFilters) {
  VISAGE_REQUIRE_GPU();
  expect_locally_connected_parity("num_output: 16 kernel_size: 7 stride: 2", {8, 16, 29, 29});
}

}  // namespace
}  // namespace visage::testing
