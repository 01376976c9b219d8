// MarginSoftmaxLoss on the GPU against the CPU: loss, statistics, embedding gradient and the class
// matrix's accumulated gradient, for both margins, at the LFW setting's size (some 1,450 classes).
#include <gtest/gtest.h>

#include <string>

#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

void expect_margin_softmax_parity(const std::string& settings) {
  TensorList bottom({{64, 128}, {64}});
  fill_gaussian(bottom[0], 5);
  fill_labels(bottom[1], 6, 1450);
  proto::LayerParameter param = layer_param(
      "name: 'msl' type: 'MarginSoftmaxLoss' top: 'loss' top: 'stats' "
      "margin_softmax_loss_param { num_output: 1450 weight_filler { type: 'gaussian' std: 0.1 } " +
      settings + " }");
  expect_cpu_gpu_parity(param, bottom);
}

TEST(MarginSoftmaxLossGpu, CosFaceMatchesCpu) {
  expect_margin_softmax_parity("type: COSINE margin: 0.35");
}

TEST(MarginSoftmaxLossGpu, ArcFaceMatchesCpu) {
  expect_margin_softmax_parity("type: ARC margin: 0.5");
}

}  // namespace
}  // namespace visage::testing
