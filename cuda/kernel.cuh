// Helpers for writing kernels: error checks with context, launch geometry, the context's stream.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstdint>
#include <limits>

#include "core/context.hpp"
#include "core/error.hpp"

namespace visage::gpu {

inline void check(cudaError_t status, const char* what, const char* file, int line) {
  if (status != cudaSuccess) {
    fail("CUDA error in ", what, " (", file, ":", line, "): ", cudaGetErrorString(status));
  }
}
void check(cublasStatus_t status, const char* what, const char* file, int line);
void check(cudnnStatus_t status, const char* what, const char* file, int line);

// cuBLAS and cuDNN take sizes as int: one past INT_MAX is an error with its name, never a
// silently wrapped size.
inline int checked_int(int64_t value, const char* what) {
  if (value < 0 || value > std::numeric_limits<int>::max()) {
    fail(what, " = ", value, " is outside the range of the int that cuBLAS and cuDNN take (0 to ",
         std::numeric_limits<int>::max(), ")");
  }
  return static_cast<int>(value);
}

constexpr int kThreadsPerBlock = 256;
// blocks_for's cap: a grid-stride loop covers what lies beyond.
constexpr int kMaxBlocks = 65535;

// Blocks for a grid-stride loop over n elements (capped; the loop covers the rest).
inline unsigned int blocks_for(int64_t n) {
  const int64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned int>(blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks));
}

// Whether a kernel whose indices stay below `bound` may count in 32 bits: integer division and
// remainder, which index arithmetic is full of, take several times fewer instructions there than
// in 64 bits. The margin covers the last grid stride past the bound (blocks_for's grid).
inline bool fits_int32(int64_t bound) {
  static_assert(int64_t{kMaxBlocks} * kThreadsPerBlock < (int64_t{1} << 30));
  return bound <= (int64_t{1} << 30);
}

// Calls launch(int32_t{}) when indices below `bound` fit in 32 bits, else launch(int64_t{}): a
// templated lambda then launches kernel<Index>.
template <typename Launch>
void with_index_type(int64_t bound, Launch&& launch) {
  if (fits_int32(bound)) {
    launch(int32_t{});
  } else {
    launch(int64_t{});
  }
}

inline cudaStream_t stream(const Context& ctx) { return static_cast<cudaStream_t>(ctx.stream()); }
cublasHandle_t cublas(const Context& ctx);
cudnnHandle_t cudnn(const Context& ctx);

}  // namespace visage::gpu

#define VISAGE_CUDA_CHECK(call) ::visage::gpu::check((call), #call, __FILE__, __LINE__)
// Checks the launch of the kernel just queued (not its completion: that would synchronise).
#define VISAGE_CUDA_CHECK_LAUNCH() VISAGE_CUDA_CHECK(cudaGetLastError())

// for (int64_t i : grid-stride range over [0, n))
#define VISAGE_KERNEL_LOOP(i, n)                                                         \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// The same loop with an index of type Index (int32_t where gpu::fits_int32 says so).
#define VISAGE_KERNEL_LOOP_AS(Index, i, n)                                         \
  for (Index i = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + \
                 static_cast<Index>(threadIdx.x);                                  \
       i < (n); i += static_cast<Index>(blockDim.x) * static_cast<Index>(gridDim.x))
