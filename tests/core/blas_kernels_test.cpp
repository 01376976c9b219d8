#include "core/blas_kernels.hpp"

#include <gtest/gtest.h>

namespace visage::cpu {
namespace {

constexpr InstructionSets kSse = {.avx2_fma = false, .avx512 = false};
constexpr InstructionSets kAvx2 = {.avx2_fma = true, .avx512 = false};
constexpr InstructionSets kAvx512 = {.avx2_fma = true, .avx512 = true};

TEST(BetterOpenblasKernels, ReplacesAFallbackWithTheProcessorsOwnInstructionSets) {
  // Emerald Rapids under OpenBLAS 0.3.21: an unknown model, so Prescott.
  EXPECT_EQ(better_openblas_kernels("Prescott", kAvx512), "SkylakeX");
  EXPECT_EQ(better_openblas_kernels("PRESCOTT", kAvx512), "SkylakeX");
  EXPECT_EQ(better_openblas_kernels("Sandybridge", kAvx2), "Haswell");
  EXPECT_EQ(better_openblas_kernels("Nehalem", kAvx2), "Haswell");
}

TEST(BetterOpenblasKernels, KeepsAChoiceThatUsesTheVectorUnitsOrHasNothingBetter) {
  EXPECT_EQ(better_openblas_kernels("Prescott", kSse), std::nullopt);  // an old processor
  EXPECT_EQ(better_openblas_kernels("SkylakeX", kAvx512), std::nullopt);
  EXPECT_EQ(better_openblas_kernels("Cooperlake", kAvx512), std::nullopt);
  EXPECT_EQ(better_openblas_kernels("Zen", kAvx512), std::nullopt);
  // Haswell's kernels on an AVX-512 processor are OpenBLAS's deliberate choice for some models
  // (and for an operating system that does not save the AVX-512 registers): kept.
  EXPECT_EQ(better_openblas_kernels("Haswell", kAvx512), std::nullopt);
}

TEST(DescribeBlas, NamesTheLibraryTheKernelsAndTheThreads) {
  const std::string line = describe_blas();
  EXPECT_EQ(line.rfind("OpenBLAS ", 0), 0U) << line;
  EXPECT_NE(line.find(" kernels, "), std::string::npos) << line;
  EXPECT_NE(line.find("thread"), std::string::npos) << line;
}

}  // namespace
}  // namespace visage::cpu
