// TripletLoss on the GPU against the CPU: loss, statistics and embedding gradient, for every
// mining mode and distance, on a P x K batch of unit vectors and on FaceNet-sized identities
// (K = 40) whose distances every GEMM computes exactly.
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

// Exact distances (see dyadic_triplet_batch): both halves must mine the same triplets, so the
// gradients agree to the default tolerance; one different negative for one pair would not.
TEST_P(TripletLossGpu, MinesTheSameTripletsOnFaceNetSizedIdentities) {
  TensorList bottom = dyadic_triplet_batch(6, 40, 128, 32);
  for (const char* distance : {"SQUARED_L2", "L2"}) {
    SCOPED_TRACE(distance);
    expect_cpu_gpu_parity(layer_param(triplet_prototxt(GetParam(), distance, kDyadicBatchMargin) +
                                      " top: 'loss' top: 'stats'"),
                          bottom);
  }
}

INSTANTIATE_TEST_SUITE_P(AllMiningModes, TripletLossGpu,
                         ::testing::Values("SEMI_HARD", "HARD", "ALL"));

}  // namespace
}  // namespace visage::testing
