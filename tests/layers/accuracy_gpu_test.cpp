// CPU-vs-GPU parity of Accuracy (forward only: it has no gradient), with top_k, ignored positions
// and the per-class top. Exact counts, so the tolerance only covers the final division.
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

TEST(AccuracyGpu, MatchesCpu) {
  TensorList bottom({{64, 10}, {64}});
  fill_gaussian(bottom[0], 71);
  fill_labels(bottom[1], 72, 10);
  for (int i = 0; i < 64; i += 7) bottom[1].mutable_data()[i] = -1;
  ParityOptions options;
  options.check_backward = false;
  expect_cpu_gpu_parity(layer_param("name: 'acc' type: 'Accuracy' top: 'a' top: 'per_class' "
                                    "accuracy_param { top_k: 3 ignore_label: -1 }"),
                        bottom, options);
}

}  // namespace
}  // namespace visage::testing
