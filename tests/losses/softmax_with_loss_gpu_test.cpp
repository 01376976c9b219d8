// CPU-vs-GPU parity of SoftmaxWithLoss: the loss (reduced on the device), the probability top and
// the score gradient, for each normalization, with ignored pixels. Tolerance 1e-4 relative: the
// CPU sums the loss in double, the GPU in float.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(SoftmaxWithLossGpu, MatchesCpu) {
  for (const char* mode : {"FULL", "VALID", "BATCH_SIZE", "NONE"}) {
    TensorList bottom({{4, 6, 3, 2}, {4, 3, 2}});
    fill_gaussian(bottom[0], 81, 0.0f, 2.0f);
    fill_labels(bottom[1], 82, 6);
    for (int i = 0; i < bottom[1].count(); i += 5) bottom[1].mutable_data()[i] = 255;
    expect_cpu_gpu_parity(
        layer_param(std::string("name: 'loss' type: 'SoftmaxWithLoss' top: 'loss' top: 'prob' "
                                "loss_param { ignore_label: 255 normalization: ") +
                    mode + " }"),
        bottom);
  }
}

}  // namespace
}  // namespace visage::testing
