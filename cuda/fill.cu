// Elementwise fill, used by the Net (loss weights into loss tops' gradients) and gpu::fill.
#include "core/device_api.hpp"
#include "cuda/kernel.cuh"

namespace visage {
namespace {

__global__ void fill_kernel(int64_t n, float value, float* out) {
  VISAGE_KERNEL_LOOP(i, n) { out[i] = value; }
}

}  // namespace

void device::fill(float* dst, std::size_t count, float value, StreamHandle stream) {
  const auto n = static_cast<int64_t>(count);
  fill_kernel<<<gpu::blocks_for(n), gpu::kThreadsPerBlock, 0, static_cast<cudaStream_t>(stream)>>>(
      n, value, dst);
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage
