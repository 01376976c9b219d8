#include "tools/blas_environment.hpp"

#include <cblas.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/blas_kernels.hpp"

namespace visage::tools {
namespace {

// An empty value names nothing (OPENBLAS_CORETYPE="" no core): taken as unset, and replaced.
bool is_unset(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0';
}

}  // namespace

void configure_openblas(char** argv) {
  bool changed = false;
  bool chose_kernels = false;
  if (is_unset("OPENBLAS_THREAD_TIMEOUT")) {
    // A failed setenv (out of memory) must not re-execute: the new image would try again.
    if (setenv("OPENBLAS_THREAD_TIMEOUT", "20", /*overwrite=*/1) != 0) return;
    changed = true;
  }
  if (is_unset("OPENBLAS_CORETYPE")) {
    const std::string own_choice = openblas_get_corename();
    if (const auto better =
            cpu::better_openblas_kernels(own_choice, cpu::host_instruction_sets())) {
      if (setenv("OPENBLAS_CORETYPE", std::string(*better).c_str(), /*overwrite=*/1) != 0 ||
          setenv(cpu::kOpenblasOwnChoiceVariable, own_choice.c_str(), /*overwrite=*/1) != 0) {
        return;
      }
      changed = chose_kernels = true;
    }
  }
  if (!changed) return;
  execv("/proc/self/exe", argv);
  // Still here: the exec failed, and this process runs OpenBLAS's own choice. Not claiming
  // otherwise lets `device-query` give the advice instead.
  if (chose_kernels) {
    unsetenv(cpu::kOpenblasOwnChoiceVariable);
    unsetenv("OPENBLAS_CORETYPE");
  }
}

}  // namespace visage::tools
