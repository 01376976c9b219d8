#include "core/device_choice.hpp"

#include "core/error.hpp"

namespace visage {

Context make_context(const std::string& device, uint64_t seed) {
  if (device == "cpu") return Context::cpu(seed);
  if (device == "auto") return device::count() > 0 ? Context::gpu(0, seed) : Context::cpu(seed);
  if (device == "gpu") return Context::gpu(0, seed);
  if (device.rfind("gpu:", 0) == 0) {
    const std::string id = device.substr(4);
    VISAGE_CHECK(!id.empty() && id.find_first_not_of("0123456789") == std::string::npos, "device ",
                 device, ": expected gpu:N with N a GPU number");
    return Context::gpu(std::stoi(id), seed);
  }
  fail("device ", device, ": expected auto, cpu, gpu or gpu:N");
}

ConvolutionAlgorithms parse_convolution_algorithms(const std::string& name) {
  if (name == "reproducible") return ConvolutionAlgorithms::reproducible;
  if (name == "fastest") return ConvolutionAlgorithms::fastest;
  fail("--conv-algorithms ", name, ": expected reproducible or fastest");
}

}  // namespace visage
