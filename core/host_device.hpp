// Marks a function for both halves: nvcc compiles it for host and device, a plain C++ compiler
// sees an ordinary inline function. Lets a CPU loop and its CUDA kernel share one formula.
#pragma once

#if defined(__CUDACC__)
#define VISAGE_HOST_DEVICE __host__ __device__
#else
#define VISAGE_HOST_DEVICE
#endif
