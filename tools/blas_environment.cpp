#include "tools/blas_environment.hpp"

#include <cblas.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/blas_kernels.hpp"

namespace visage::tools {

void configure_openblas(char** argv) {
  bool changed = false;
  bool chose_kernels = false;
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr) {
    setenv("OPENBLAS_THREAD_TIMEOUT", "20", /*overwrite=*/0);
    changed = true;
  }
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr) {
    const std::string own_choice = openblas_get_corename();
    if (const auto better =
            cpu::better_openblas_kernels(own_choice, cpu::host_instruction_sets())) {
      setenv("OPENBLAS_CORETYPE", std::string(*better).c_str(), /*overwrite=*/0);
      setenv(cpu::kOpenblasOwnChoiceVariable, own_choice.c_str(), /*overwrite=*/1);
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
