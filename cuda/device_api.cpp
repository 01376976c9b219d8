// The device API of a CUDA build (see core/device_api.hpp).
#include "core/device_api.hpp"

#include <nccl.h>

#include "cuda/kernel.cuh"
#include "cuda/resources.hpp"

namespace visage::device {

bool built_with_cuda() { return true; }

int count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // no driver or no device: not an error for a query
    return 0;
  }
  return n;
}

std::string describe() {
  int n = 0;
  const cudaError_t status = cudaGetDeviceCount(&n);
  if (status != cudaSuccess || n == 0) {
    cudaGetLastError();
    return concat(
        "no GPU: ", status != cudaSuccess ? cudaGetErrorString(status) : "no CUDA device found",
        "\n");
  }
  int driver = 0;
  int runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  int nccl = 0;
  ncclGetVersion(&nccl);
  const size_t cudnn = cudnnGetVersion();
  std::string out =
      concat("CUDA driver ", driver / 1000, ".", driver % 1000 / 10, ", runtime ", runtime / 1000,
             ".", runtime % 1000 / 10, ", cuDNN ", cudnn / 10000, ".", cudnn % 10000 / 100, ".",
             cudnn % 100, ", NCCL ", nccl / 10000, ".", nccl % 10000 / 100, ".", nccl % 100, "\n");
  for (int d = 0; d < n; ++d) {
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, d);
    out += concat("GPU ", d, ": ", prop.name, ", compute capability ", prop.major, ".", prop.minor,
                  ", ", prop.totalGlobalMem >> 20, " MiB, ", prop.multiProcessorCount, " SMs\n");
  }
  return out;
}

std::shared_ptr<CudaResources> make_resources(int device_id) {
  return std::make_shared<CudaResources>(device_id);
}

std::shared_ptr<DeviceAllocator> allocator_of(CudaResources& resources) {
  return resources.allocator();
}

StreamHandle stream_of(CudaResources& resources) { return resources.stream(); }

void* allocate_pinned(std::size_t bytes) {
  void* ptr = nullptr;
  VISAGE_CUDA_CHECK(cudaMallocHost(&ptr, bytes));
  return ptr;
}

void free_pinned(void* ptr) { cudaFreeHost(ptr); }

void copy_to_device(void* dst, const void* src, std::size_t bytes, StreamHandle stream) {
  VISAGE_CUDA_CHECK(
      cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, static_cast<cudaStream_t>(stream)));
}

void copy_to_host(void* dst, const void* src, std::size_t bytes, StreamHandle stream) {
  VISAGE_CUDA_CHECK(
      cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, static_cast<cudaStream_t>(stream)));
  VISAGE_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
}

void copy_device_to_device(void* dst, const void* src, std::size_t bytes, StreamHandle stream) {
  VISAGE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice,
                                    static_cast<cudaStream_t>(stream)));
}

void fill_zero(void* dst, std::size_t bytes, StreamHandle stream) {
  VISAGE_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, static_cast<cudaStream_t>(stream)));
}

void synchronize(StreamHandle stream) {
  VISAGE_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
}

}  // namespace visage::device
