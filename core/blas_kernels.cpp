#include "core/blas_kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace visage::cpu {
namespace {

// OpenBLAS's x86-64 cores whose kernels use neither AVX2 nor AVX-512 (its corename table).
constexpr std::array<std::string_view, 18> kPreAvx2Cores = {
    "Unknown", "Katmai",  "Coppermine", "Northwood",    "Prescott", "Banias",
    "Atom",    "Core2",   "Penryn",     "Dunnington",   "Nehalem",  "Sandybridge",
    "Athlon",  "Opteron", "Barcelona",  "Opteron_SSE3", "Nano",     "Bobcat"};

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." -> "OpenBLAS 0.3.21".
std::string openblas_version() {
  std::istringstream config(openblas_get_config());
  std::string name;
  std::string version;
  config >> name >> version;
  return name + " " + version;
}

}  // namespace

InstructionSets host_instruction_sets() {
  InstructionSets sets;
#if defined(__x86_64__)
  // GCC's checks include the operating system's consent (XCR0) for the AVX and AVX-512 registers.
  __builtin_cpu_init();
  sets.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  sets.avx512 = sets.avx2_fma && __builtin_cpu_supports("avx512f") &&
                __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
  return sets;
}

std::optional<std::string_view> better_openblas_kernels(std::string_view openblas_core,
                                                        InstructionSets sets) {
  const bool fallback =
      std::any_of(kPreAvx2Cores.begin(), kPreAvx2Cores.end(),
                  [&](std::string_view c) { return same_name(c, openblas_core); });
  if (!fallback) return std::nullopt;
  if (sets.avx512) return "SkylakeX";
  if (sets.avx2_fma) return "Haswell";
  return std::nullopt;
}

std::string describe_blas() {
  const std::string kernels = openblas_get_corename();
  std::ostringstream out;
  out << openblas_version() << ", " << kernels << " kernels, " << openblas_get_num_threads()
      << (openblas_get_num_threads() == 1 ? " thread" : " threads");
  const char* own_choice = std::getenv(kOpenblasOwnChoiceVariable);
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  if (own_choice != nullptr && *own_choice != '\0') {
    if (same_name(kernels, own_choice)) {
      out << " (this OpenBLAS has no kernels for the processor's AVX2 or AVX-512)";
    } else {
      out << " (chosen by Visage: OpenBLAS took this processor for a " << own_choice
          << "; set OPENBLAS_CORETYPE to choose)";
    }
    return out.str();
  }
  if (forced != nullptr && *forced != '\0') {
    out << " (OPENBLAS_CORETYPE=" << forced << " from the environment)";
  }
  if (const auto better = better_openblas_kernels(kernels, host_instruction_sets())) {
    out << "; this processor runs OpenBLAS's faster " << *better
        << " kernels with OPENBLAS_CORETYPE=" << *better << ", set before the program starts";
  }
  return out.str();
}

}  // namespace visage::cpu
