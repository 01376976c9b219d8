// Turns a device name (auto, cpu, gpu, gpu:N) into a Context, with clear messages when a GPU is
// asked for but absent. The command line's --device and the Python module's `device=` share it.
#pragma once

#include <cstdint>
#include <string>

#include "core/context.hpp"

namespace visage {

Context make_context(const std::string& device, uint64_t seed);

inline constexpr const char* kDeviceHelp =
    "where to run: auto (the first GPU if there is one, else the CPU), cpu, gpu or gpu:N";

}  // namespace visage
