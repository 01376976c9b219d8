#include "core/blas_kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace visage::cpu {
namespace {

// OpenBLAS's x86-64 cores whose kernels use neither AVX2 nor AVX-512 (its corename table): its
// choices for old processors, and its fallbacks for ones it does not know. AMD's Bulldozer
// family is left out: OpenBLAS picks those only for their own processors.
constexpr std::string_view kPreAvx2Cores[] = {
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
  const bool fallback = std::ranges::any_of(
      kPreAvx2Cores, [&](std::string_view c) { return same_name(c, openblas_core); });
  if (!fallback) return std::nullopt;
  if (sets.avx512) return "SkylakeX";
  if (sets.avx2_fma) return "Haswell";
  return std::nullopt;
}

BlasState blas_state() {
  const auto variable = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  return {.library = openblas_version(),
          .kernels = openblas_get_corename(),
          .threads = openblas_get_num_threads(),
          .coretype = variable("OPENBLAS_CORETYPE"),
          .own_choice = variable(kOpenblasOwnChoiceVariable),
          .sets = host_instruction_sets()};
}

std::string describe_blas(const BlasState& state) {
  std::ostringstream out;
  out << state.library << ", " << state.kernels << " kernels, " << state.threads
      << (state.threads == 1 ? " thread" : " threads");
  // Visage's own choice only where OPENBLAS_CORETYPE still holds what it chose: an inherited
  // record with a value the user set since is the user's choice.
  const auto chosen = better_openblas_kernels(state.own_choice, state.sets);
  if (chosen && same_name(state.coretype, *chosen) && same_name(state.kernels, *chosen)) {
    out << " (chosen by Visage: OpenBLAS took this processor for a " << state.own_choice
        << "; set OPENBLAS_CORETYPE to choose)";
    return out.str();
  }
  if (!state.coretype.empty()) {
    out << " (OPENBLAS_CORETYPE=" << state.coretype << " from the environment)";
  }
  if (const auto better = better_openblas_kernels(state.kernels, state.sets)) {
    if (same_name(state.coretype, *better)) {
      out << "; this OpenBLAS build has no " << *better << " kernels";
    } else {
      out << "; this processor runs OpenBLAS's faster " << *better
          << " kernels with OPENBLAS_CORETYPE=" << *better << ", set before OpenBLAS is loaded";
    }
  }
  return out.str();
}

}  // namespace visage::cpu
