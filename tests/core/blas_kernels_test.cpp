#include "core/blas_kernels.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

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

BlasState state(std::string kernels, std::string coretype, std::string own_choice,
                InstructionSets sets) {
  return {.library = "OpenBLAS 0.3.21",
          .kernels = std::move(kernels),
          .threads = 2,
          .coretype = std::move(coretype),
          .own_choice = std::move(own_choice),
          .sets = sets};
}

TEST(DescribeBlas, OpenblasOwnSuitableChoiceIsStatedPlainly) {
  EXPECT_EQ(describe_blas(state("SkylakeX", "", "", kAvx512)),
            "OpenBLAS 0.3.21, SkylakeX kernels, 2 threads");
  EXPECT_EQ(describe_blas(state("Prescott", "", "", kSse)),
            "OpenBLAS 0.3.21, Prescott kernels, 2 threads");
}

TEST(DescribeBlas, VisagesReplacementIsAttributed) {
  EXPECT_EQ(describe_blas(state("SkylakeX", "SkylakeX", "Prescott", kAvx512)),
            "OpenBLAS 0.3.21, SkylakeX kernels, 2 threads (chosen by Visage: OpenBLAS took this "
            "processor for a Prescott; set OPENBLAS_CORETYPE to choose)");
}

TEST(DescribeBlas, AUsersSettingIsTheUsersEvenWithAnInheritedRecord) {
  // A parent `visage` recorded Prescott; the user then chose Haswell's kernels.
  EXPECT_EQ(describe_blas(state("Haswell", "Haswell", "Prescott", kAvx512)),
            "OpenBLAS 0.3.21, Haswell kernels, 2 threads (OPENBLAS_CORETYPE=Haswell from the "
            "environment)");
  EXPECT_EQ(describe_blas(state("Prescott", "Prescott", "Prescott", kAvx512)),
            "OpenBLAS 0.3.21, Prescott kernels, 2 threads (OPENBLAS_CORETYPE=Prescott from the "
            "environment); this processor runs OpenBLAS's faster SkylakeX kernels with "
            "OPENBLAS_CORETYPE=SkylakeX, set before OpenBLAS is loaded");
}

TEST(DescribeBlas, AFallbackGetsTheSettingThatFixesIt) {
  // The test binaries and the Python module on a processor OpenBLAS does not know.
  EXPECT_EQ(describe_blas(state("Prescott", "", "", kAvx2)),
            "OpenBLAS 0.3.21, Prescott kernels, 2 threads; this processor runs OpenBLAS's faster "
            "Haswell kernels with OPENBLAS_CORETYPE=Haswell, set before OpenBLAS is loaded");
  // Asked for, and OpenBLAS still runs the fallback: a build without those kernels.
  EXPECT_EQ(describe_blas(state("Prescott", "SkylakeX", "", kAvx512)),
            "OpenBLAS 0.3.21, Prescott kernels, 2 threads (OPENBLAS_CORETYPE=SkylakeX from the "
            "environment); this OpenBLAS build has no SkylakeX kernels");
}

TEST(DescribeBlas, ThisProcessNamesTheLibraryTheKernelsAndTheThreads) {
  const std::string line = describe_blas();
  EXPECT_EQ(line.rfind("OpenBLAS ", 0), 0U) << line;
  EXPECT_NE(line.find(" kernels, "), std::string::npos) << line;
}

}  // namespace
}  // namespace visage::cpu
