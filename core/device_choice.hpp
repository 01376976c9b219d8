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
    "how convolutions pick their algorithms: reproducible (direct fp32 sums: the same digits on "
    "every run, those of the documented results) or fastest (fewer multiplies, other rounding: on "
    "the CPU 3x3 and 5x5 stride-1 layers go through Winograd's F(4x4, 3x3), F(2x2, 3x3) or F(2x2, "
    "5x5), and stride-1 layers of at most 32 outputs with kernels of 7x7 and up through a direct "
    "AVX2/AVX-512 kernel, still the same digits on every run; on the GPU every fp32 algorithm is "
    "timed once per shape, FFT, Winograd and non-deterministic ones too, like PyTorch's "
    "cudnn.benchmark: digits may change between runs)";

}  // namespace visage
