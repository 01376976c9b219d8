// The direct convolution kernel at both vector widths. Convolution's tests check its results
// against plain sums at this processor's level; here the AVX2 kernel must give the AVX-512
// kernel's bits exactly, since both sum each output in the same order with fused multiply-adds,
// so that the vector width does not change the kernel's digits.
#include "layers/direct_convolution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/error.hpp"
#include "core/simd_level.hpp"

namespace visage::testing {
namespace {

using cpu::DirectShape;
using cpu::SimdLevel;

std::vector<float> gaussian(int64_t n, uint32_t seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(engine);
  return v;
}

std::string describe(const DirectShape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width) + " -> " + std::to_string(s.outputs) + ", kernel " +
         std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w);
}

// The kernel's outputs at `level`: the convolution with bias and clamp, and the same convolution
// added, planes `stride` apart, to values already there.
std::vector<std::vector<float>> kernel_results(const DirectShape& s, SimdLevel level) {
  const auto weights = gaussian(s.outputs * s.channels * s.kernel_h * s.kernel_w, 1);
  const auto input = gaussian(s.channels * s.height * s.width, 2);
  const auto bias = gaussian(s.outputs, 3);
  std::vector<float> packed(cpu::direct_packed_size(s, level));
  cpu::pack_direct_weights(s, level, weights.data(), packed.data());
  const int64_t plane = s.out_h() * s.out_w();
  std::vector<float> out(s.outputs * plane), clamped(out.size());
  cpu::direct_convolve(s, level, packed.data(), input.data(), bias.data(), false, out.data());
  cpu::direct_convolve(s, level, packed.data(), input.data(), bias.data(), true, clamped.data());
  const int64_t stride = plane + 5;
  auto added = gaussian(s.outputs * stride, 4);
  cpu::direct_convolve_add(s, level, packed.data(), input.data(), added.data(), stride);
  return {out, clamped, added};
}

TEST(DirectConvolution, AvxTwoGivesTheBitsOfAvx512) {
  if (cpu::simd_level() != SimdLevel::avx512) {
    GTEST_SKIP() << "needs AVX-512 to compare the two widths; this processor has "
                 << cpu::simd_level_name(cpu::simd_level());
  }
  const std::vector<DirectShape> shapes = {
      // channels, height, width, outputs, kernel_h, kernel_w
      {3, 20, 29, 5, 7, 7},     // 23 wide: 16 + 7 lanes, 8 + 8 + 7
      {2, 17, 17, 20, 5, 5},    // 13 wide; 20 outputs: 16 + 4, 8 + 8 + 4
      {32, 20, 24, 16, 9, 9},   // DeepFace's C3 in small
      {3, 25, 26, 32, 11, 11},  // DeepFace's C1 in small
      {1, 30, 27, 16, 22, 19},  // a weight gradient's shape: 9 x 9 outputs from a 22 x 19 "kernel"
      {4, 12, 40, 3, 5, 8},     // a kernel wider than high, 33 wide
  };
  for (const auto& s : shapes) {
    const auto wide = kernel_results(s, SimdLevel::avx512);
    const auto narrow = kernel_results(s, SimdLevel::avx2);
    const char* what[] = {"output", "clamped output", "added output"};
    for (int r = 0; r < 3; ++r) {
      EXPECT_EQ(wide[r], narrow[r]) << describe(s) << ": " << what[r];
    }
  }
}

// The clamp is ReLU's (std::max(v, 0.0f)), the bias added after the sum, and the adjoint's packed
// weights are the layer's transposed and turned by 180 degrees.
TEST(DirectConvolution, BiasClampAndAdjointPacking) {
  const SimdLevel level = cpu::simd_level();
  if (level == SimdLevel::baseline) GTEST_SKIP() << "no AVX2 or AVX-512 on this processor";
  const DirectShape s{2, 9, 21, 3, 3, 4};
  const auto results = kernel_results(s, level);
  const auto bias = gaussian(s.outputs, 3);
  const int64_t plane = s.out_h() * s.out_w();
  const auto weights = gaussian(s.outputs * s.channels * s.kernel_h * s.kernel_w, 1);
  const auto input = gaussian(s.channels * s.height * s.width, 2);
  for (int64_t o = 0; o < s.outputs; ++o) {
    for (int64_t y = 0; y < s.out_h(); ++y) {
      for (int64_t x = 0; x < s.out_w(); ++x) {
        double sum = 0, magnitude = 0;
        for (int64_t c = 0; c < s.channels; ++c) {
          for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
            for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
              const double term =
                  double{weights[((o * s.channels + c) * s.kernel_h + ky) * s.kernel_w + kx]} *
                  input[(c * s.height + y + ky) * s.width + x + kx];
              sum += term;
              magnitude += std::abs(term);
            }
          }
        }
        const int64_t i = o * plane + y * s.out_w() + x;
        ASSERT_NEAR(results[0][i], sum + bias[o], 1e-5 * (magnitude + std::abs(bias[o])) + 1e-7)
            << "output " << i;
        ASSERT_EQ(results[1][i], std::max(results[0][i], 0.0f)) << "clamped output " << i;
      }
    }
  }
  // Lane o of block 0, channel c, tap (ky, kx) of the adjoint (outputs = the layer's channels).
  const DirectShape adjoint{s.outputs, 12, 12, s.channels, s.kernel_h, s.kernel_w};
  std::vector<float> packed(cpu::direct_packed_size(adjoint, level));
  cpu::pack_direct_weights_adjoint(adjoint, level, weights.data(), packed.data());
  const int lanes = level == SimdLevel::avx512 ? 16 : 8;
  for (int64_t c = 0; c < s.channels; ++c) {   // the adjoint's output
    for (int64_t o = 0; o < s.outputs; ++o) {  // the adjoint's input channel
      for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
        for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
          const float expected =
              weights[((o * s.channels + c) * s.kernel_h + s.kernel_h - 1 - ky) * s.kernel_w +
                      s.kernel_w - 1 - kx];
          EXPECT_EQ(packed[((o * s.kernel_h + ky) * s.kernel_w + kx) * lanes + c], expected);
        }
      }
    }
  }
}

// A context runs the kernels of the level it is given, at most the processor's: a narrower one is
// taken (the layer tests run AVX2's on AVX-512 machines so), a wider one refused with the reason.
TEST(DirectConvolution, ContextTakesNarrowerLevelsAndRefusesWiderOnes) {
  auto ctx = Context::cpu();
  EXPECT_EQ(ctx.simd_level(), cpu::simd_level());
  ctx.set_simd_level(SimdLevel::baseline);
  EXPECT_EQ(ctx.simd_level(), SimdLevel::baseline);
  if (cpu::simd_level() == SimdLevel::avx512) {
    ctx.set_simd_level(SimdLevel::avx2);
    EXPECT_EQ(ctx.simd_level(), SimdLevel::avx2);
    return;
  }
  try {
    ctx.set_simd_level(SimdLevel::avx512);
    FAIL() << "took AVX-512 on a processor with " << cpu::simd_level_name(cpu::simd_level());
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("this processor offers at most"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace visage::testing
