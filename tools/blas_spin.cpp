#include "tools/blas_spin.hpp"

#include <unistd.h>

#include <cstdlib>

namespace visage::tools {

void shorten_blas_spin(char** argv) {
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") != nullptr) return;
  setenv("OPENBLAS_THREAD_TIMEOUT", "20", /*overwrite=*/0);
  execv("/proc/self/exe", argv);
}

}  // namespace visage::tools
