// CPU-vs-GPU parity: the same layer built twice from one LayerParameter, given the same parameters
// and inputs, run forward and then backward twice on Context::cpu() and Context::gpu(0); tops,
// bottom diffs (which backward overwrites) and parameter diffs (which it accumulates into) must
// agree within a stated tolerance after each pass. Skips cleanly without a GPU (and in CPU-only
// builds, where device::count() is 0), unless VISAGE_GPU_REQUIRED is set.
//
//   TEST(ReLUGpu, MatchesCpu) {
//     TensorList bottom({{4, 5}});
//     fill_gaussian(bottom[0], 3);
//     expect_cpu_gpu_parity(layer_param("type: 'ReLU' name: 'r'"), bottom);
//   }
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/context.hpp"
#include "core/device_api.hpp"
#include "core/layer.hpp"

// Ends the current test as skipped when no GPU can be used. Where a GPU must be there
// (scripts/gpu_check.sh sets VISAGE_GPU_REQUIRED=1), the test fails instead and says why: a
// driver that does not match the runtime also reads as "no GPU", and must not pass as a skip.
#define VISAGE_REQUIRE_GPU()                                                  \
  do {                                                                        \
    if (::visage::device::count() == 0) {                                     \
      if (::visage::testing::gpu_required()) {                                \
        GTEST_FAIL() << "VISAGE_GPU_REQUIRED is set but no GPU can be used: " \
                     << ::visage::device::describe();                         \
      }                                                                       \
      GTEST_SKIP() << "skipped: no GPU";                                      \
    }                                                                         \
  } while (false)

namespace visage::testing {

// Whether the environment says that the tests run where a GPU must be usable
// (VISAGE_GPU_REQUIRED set to anything but "" or "0").
bool gpu_required();

struct ParityOptions {
  // |cpu - gpu| <= abs_tolerance + rel_tolerance * max(|cpu|, |gpu|), element by element. The
  // defaults allow for cuBLAS and OpenBLAS summing in different orders (and TF32-free float math).
  float rel_tolerance = 1e-4f;
  float abs_tolerance = 1e-5f;
  bool check_backward = true;
  // Seed of the random top gradients fed to backward.
  uint64_t seed = 4242;
  // How the GPU side's convolutions choose their algorithms.
  ConvolutionAlgorithms convolution_algorithms = ConvolutionAlgorithms::reproducible;
};

// Skips (GTEST_SKIP) without a GPU; otherwise reports every mismatch with EXPECT-style failures.
// `inputs` hold the bottoms' values on the host; each side gets its own copy.
void expect_cpu_gpu_parity(const proto::LayerParameter& param, Tensors inputs,
                           const ParityOptions& options = {});

}  // namespace visage::testing
