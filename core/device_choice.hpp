// Turns a device name (auto, cpu, gpu, gpu:N) into a Context, with clear messages when a GPU is
// asked for but absent. The command line's --device and the Python module's `device=` share it.
#pragma once

#include <cstdint>
#include <string>

#include "core/context.hpp"

namespace visage {

Context make_context(const std::string& device, uint64_t seed);

// --conv-algorithms: reproducible or fastest (ConvolutionAlgorithms).
ConvolutionAlgorithms parse_convolution_algorithms(const std::string& name);

inline constexpr const char* kDeviceHelp =
    "where to run: auto (the first GPU if there is one, else the CPU), cpu, gpu or gpu:N";

inline constexpr const char* kConvolutionAlgorithmsHelp =
    "how GPU convolutions pick cuDNN's algorithms: reproducible (deterministic, direct fp32 sums: "
    "the same digits on every run) or fastest (every fp32 algorithm timed once per shape, FFT, "
    "Winograd and non-deterministic ones too, like PyTorch's cudnn.benchmark: digits may change "
    "between runs). No effect on the CPU";

}  // namespace visage
