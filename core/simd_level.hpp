// The widest vector instructions this processor and its OS offer, for the few CPU kernels written
// for them (layers/direct_convolution.hpp). Everything else is built for the x86-64 baseline and
// left to the compiler; those kernels carry their own target attributes and are chosen at run
// time, so one binary runs on any x86-64 machine.
#pragma once

namespace visage::cpu {

enum class SimdLevel {
  baseline,  // no kernel of its own: callers take their portable route
  avx2,      // AVX2 with FMA: 8 floats a vector
  avx512,    // AVX-512F: 16 floats a vector
};

// Read once from the processor (CPUID and the OS's saved register state, through GCC's
// __builtin_cpu_supports); baseline on other architectures.
SimdLevel simd_level();

const char* simd_level_name(SimdLevel level);

}  // namespace visage::cpu
