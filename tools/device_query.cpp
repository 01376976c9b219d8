#include <iostream>

#include "core/blas_kernels.hpp"
#include "core/device_api.hpp"
#include "core/simd_level.hpp"
#include "tools/options.hpp"

namespace visage::tools {

int run_device_query(Args args) {
  Options options("device-query",
                  "Prints the BLAS kernels the CPU runs, and the GPUs Visage can use with the "
                  "driver, CUDA runtime, cuDNN and NCCL versions, or says why there is none.");
  options.flag("require-gpu", "exit with status 1 when no GPU can be used (for scripts)");
  if (!options.parse(args)) return 0;
  std::cout << "Visage " VISAGE_VERSION ", built "
            << (device::built_with_cuda() ? "with" : "without") << " CUDA\n"
            << "CPU: " << cpu::describe_blas() << "\n"
            << "CPU vector kernels of Visage's own: " << cpu::simd_level_name(cpu::simd_level())
            << "\n"
            << device::describe();
  if (options.get_flag("require-gpu") && device::count() == 0) {
    std::cerr << "visage device-query: no usable GPU (--require-gpu)\n";
    return 1;
  }
  return 0;
}

}  // namespace visage::tools
