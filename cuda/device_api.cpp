// The device API of a CUDA build (see core/device_api.hpp).
#include "core/device_api.hpp"

#include <dlfcn.h>

#include "cuda/kernel.cuh"
#include "cuda/resources.hpp"

namespace visage::device {
namespace {

// NCCL is opened here only to report its version, so that a single-GPU run does not need it.
std::string nccl_version() {
  void* library = dlopen("libnccl.so.2", RTLD_LAZY | RTLD_LOCAL);
  if (library == nullptr) return "not found (libnccl.so.2)";
  using GetVersion = int (*)(int*);
  const auto get_version = reinterpret_cast<GetVersion>(dlsym(library, "ncclGetVersion"));
  int version = 0;
  std::string out = "unknown (libnccl.so.2 has no ncclGetVersion)";
  if (get_version != nullptr && get_version(&version) == 0) {
    out = concat(version / 10000, ".", version % 10000 / 100, ".", version % 100);
  }
  dlclose(library);
  return out;
}

}  // namespace

bool built_with_cuda() { return true; }

int count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // no driver or no device: not an error for a query
    return 0;
  }
  return n;
}

std::size_t memory_bytes(int device_id) {
  cudaDeviceProp prop{};
  VISAGE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_id));
  return prop.totalGlobalMem;
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
  const size_t cudnn = cudnnGetVersion();
  std::string out = concat("CUDA driver ", driver / 1000, ".", driver % 1000 / 10, ", runtime ",
                           runtime / 1000, ".", runtime % 1000 / 10, ", cuDNN ", cudnn / 10000, ".",
                           cudnn % 10000 / 100, ".", cudnn % 100, ", NCCL ", nccl_version(), "\n");
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
