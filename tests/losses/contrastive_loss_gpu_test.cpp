// ContrastiveLoss on the GPU against the CPU, both versions, pairs inside and beyond the margin.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(ContrastiveLossGpu, MatchesCpu) {
  for (const char* legacy : {"false", "true"}) {
    SCOPED_TRACE(legacy);
    TensorList bottom({{64, 128}, {64, 128}, {64}});
    fill_gaussian(bottom[0], 1, 0, 0.1f);
    fill_gaussian(bottom[1], 2, 0, 0.1f);
    fill_labels(bottom[2], 3, 2);
    expect_cpu_gpu_parity(
        layer_param(std::string("name: 'loss' type: 'ContrastiveLoss' contrastive_loss_param { "
                                "margin: 2 legacy_version: ") +
                    legacy + " }"),
        bottom);
  }
}

}  // namespace
}  // namespace visage::testing
