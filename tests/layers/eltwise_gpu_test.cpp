// Eltwise CPU vs GPU. MAX routes values and gradients exactly (tolerance 0; Gaussian inputs have
// no ties); SUM and PROD differ at most by a fused multiply-add's rounding (relative 1e-5).
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

void check(const std::string& settings, const ParityOptions& options) {
  for (const auto& shape : {Shape{1, 3}, Shape{4, 5, 6, 7}}) {
    TensorList bottom({shape, shape, shape});
    for (int b = 0; b < 3; ++b) fill_gaussian(bottom[b], 20 + b);
    expect_cpu_gpu_parity(
        layer_param("name: 'e' type: 'Eltwise' eltwise_param { " + settings + " }"), bottom,
        options);
  }
}

TEST(EltwiseGpu, SumMatchesCpu) {
  check("operation: SUM coeff: 0.5 coeff: -1 coeff: 2",
        {.rel_tolerance = 1e-5f, .abs_tolerance = 1e-6f});
}

TEST(EltwiseGpu, ProdMatchesCpu) {
  check("operation: PROD", {.rel_tolerance = 1e-5f, .abs_tolerance = 1e-6f});
}

TEST(EltwiseGpu, MaxMatchesCpu) {
  check("operation: MAX", {.rel_tolerance = 0, .abs_tolerance = 0});
}

}  // namespace
}  // namespace visage::testing
