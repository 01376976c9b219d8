#include <iostream>

#include "core/device_api.hpp"
#include "tools/options.hpp"

namespace visage::tools {

int run_device_query(Args args) {
  Options options("device-query",
                  "Prints the GPUs Visage can use with the driver, CUDA runtime, cuDNN and NCCL "
                  "versions, or says why there is none.");
  if (!options.parse(args)) return 0;
  std::cout << "Visage " VISAGE_VERSION ", built "
            << (device::built_with_cuda() ? "with" : "without") << " CUDA\n"
            << device::describe();
  return 0;
}

}  // namespace visage::tools
