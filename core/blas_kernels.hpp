// Which of OpenBLAS's kernels this process multiplies with, and whether they suit the processor.
//
// Debian 12's OpenBLAS (0.3.21, built for every x86-64 core at once) picks its kernels from a
// table of processor models. A model newer than the table, such as Emerald Rapids (family 6,
// model 207), falls through to its oldest x86-64 kernels, Prescott's (SSE3): NN2's CPU training
// step then runs 3x slower (docs/benchmarks.md). OpenBLAS 0.3.25 fixed this by choosing from
// the instruction sets the processor reports when the model is unknown; this is that rule, for
// the OpenBLAS we link.
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

// One line for people: "OpenBLAS 0.3.21, SkylakeX kernels, 2 threads", where the kernels were
// chosen when OpenBLAS did not choose them itself, and how to get faster ones where the process
// runs a fallback (a program other than `visage`: the tests, the Python module).
std::string describe_blas();

}  // namespace visage::cpu
