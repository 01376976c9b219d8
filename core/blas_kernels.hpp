// Which of OpenBLAS's kernels this process multiplies with, and whether they suit the processor.
//
// Debian 12's OpenBLAS (0.3.21, built for every x86-64 core at once) picks its kernels from a
// table of processor models. For an Intel model newer than the table, such as Emerald Rapids
// (family 6, model 207), it returns its oldest x86-64 kernels, Prescott's (SSE3), before reaching
// the fallback by instruction set that 0.3.19 added: NN2's CPU training step then runs 3x slower
// (docs/benchmarks.md). OpenBLAS 0.3.25 removed that early return (its pull request 4268); this
// is the rule it then applies, for the OpenBLAS we link.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace visage::cpu {

struct InstructionSets {
  bool avx2_fma = false;  // AVX2 and FMA3
  bool avx512 = false;    // AVX-512 F, CD, BW, DQ and VL: what OpenBLAS's SkylakeX kernels use
};

// What this processor and the operating system both support (nothing off x86-64).
InstructionSets host_instruction_sets();

// The OPENBLAS_CORETYPE that suits `sets` when `openblas_core` (the name OpenBLAS reports) is one
// of its fallbacks for processors without AVX2, and the processor has AVX2 or AVX-512; nullopt
// when OpenBLAS's choice stands. SkylakeX also for processors with AVX-512 BF16, where OpenBLAS
// 0.3.25 picks Cooperlake: the two have the same single-precision kernels, and Cooperlake's
// bfloat16 ones are not called by Visage.
std::optional<std::string_view> better_openblas_kernels(std::string_view openblas_core,
                                                        InstructionSets sets);

// The environment variable in which `visage` records OpenBLAS's own choice when it replaces it
// (tools/blas_environment.hpp), so that the replacement can be reported.
inline constexpr const char* kOpenblasOwnChoiceVariable = "VISAGE_OPENBLAS_OWN_CHOICE";

// What describe_blas reports on, read from OpenBLAS and the environment by blas_state().
struct BlasState {
  std::string library;  // "OpenBLAS 0.3.21"
  std::string kernels;  // openblas_get_corename(): "SkylakeX"
  int threads = 1;
  std::string coretype;    // OPENBLAS_CORETYPE, empty when unset
  std::string own_choice;  // VISAGE_OPENBLAS_OWN_CHOICE, empty when unset
  InstructionSets sets;
};

BlasState blas_state();

// One line for people: "OpenBLAS 0.3.21, SkylakeX kernels, 2 threads", who chose the kernels when
// OpenBLAS did not, and how to get faster ones where the process runs a fallback (a program
// other than `visage`, such as the tests and the Python module, or a forced OPENBLAS_CORETYPE).
std::string describe_blas(const BlasState& state);
inline std::string describe_blas() { return describe_blas(blas_state()); }

}  // namespace visage::cpu
