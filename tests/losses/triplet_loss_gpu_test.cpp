// TripletLoss on the GPU against the CPU: loss, statistics and embedding gradient, for every
// mining mode and distance, on a P x K batch and on FaceNet-sized identities (K = 40).
#include <gtest/gtest.h>

#include <string>

#include "tests/losses/triplet_test_batch.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

class TripletLossGpu : public ::testing::TestWithParam<std::string> {};

TEST_P(TripletLossGpu, MatchesCpuOnSmallBatch) {
  for (const char* distance : {"SQUARED_L2", "L2", "COSINE"}) {
    TensorList bottom = triplet_batch(4, 3, 8, 31);
    SCOPED_TRACE(distance);
    expect_cpu_gpu_parity(
        layer_param(triplet_prototxt(GetParam(), distance) + " top: 'loss' top: 'stats'"), bottom);
  }
}

TEST_P(TripletLossGpu, MatchesCpuOnFaceNetSizedIdentities) {
  TensorList bottom = triplet_batch(6, 40, 128, 32);
  ParityOptions options;
  options.rel_tolerance = 1e-3f;
  options.abs_tolerance = 1e-5f;
  expect_cpu_gpu_parity(
      layer_param(triplet_prototxt(GetParam(), "SQUARED_L2") + " top: 'loss' top: 'stats'"), bottom,
      options);
}

INSTANTIATE_TEST_SUITE_P(AllMiningModes, TripletLossGpu,
                         ::testing::Values("SEMI_HARD", "HARD", "ALL"));

}  // namespace
}  // namespace visage::testing
