// LRN on the GPU against the CPU. Tolerance: rel 1e-5, abs 1e-6 (same summation order; only
// powf's rounding differs).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(LRNGpu, MatchesCpu) {
  VISAGE_REQUIRE_GPU();
  ParityOptions options;
  options.rel_tolerance = 1e-5f;
  options.abs_tolerance = 1e-6f;
  for (const auto& [settings, shape] : std::vector<std::pair<std::string, Shape>>{
           {"local_size: 5 alpha: 0.0001 beta: 0.75", {2, 16, 9, 7}},
           {"local_size: 3 alpha: 1 beta: 0.75 k: 2", {1, 5, 4, 4}},
           {"local_size: 5 alpha: 0.5 beta: 1.2", {2, 3, 3, 5}}}) {
    TensorList bottom({shape});
    fill_gaussian(bottom[0], 29);
    SCOPED_TRACE(settings);
    expect_cpu_gpu_parity(layer_param("name: 'norm' type: 'LRN' lrn_param { " + settings + " }"),
                          bottom, options);
  }
}

}  // namespace
}  // namespace visage::testing
