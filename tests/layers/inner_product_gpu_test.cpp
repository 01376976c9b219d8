// CPU-vs-GPU parity of InnerProduct. Tolerance 1e-4 relative + 1e-5 absolute: cuBLAS and
// OpenBLAS sum the K products in different orders.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(InnerProductGpu, MatchesCpu) {
  for (const char* settings : {"num_output: 17", "num_output: 9 transpose: true",
                               "num_output: 5 bias_term: false axis: 2"}) {
    TensorList bottom({{6, 3, 11}});
    fill_gaussian(bottom[0], 31);
    expect_cpu_gpu_parity(
        layer_param(std::string("name: 'ip' type: 'InnerProduct' inner_product_param { ") +
                    settings +
                    " weight_filler { type: 'gaussian' std: 0.3 }"
                    " bias_filler { type: 'gaussian' std: 0.3 } }"),
        bottom);
  }
}

}  // namespace
}  // namespace visage::testing
