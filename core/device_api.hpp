// The few device operations that host-side code (Storage, Context) needs, behind an interface that
// a CPU-only build implements by reporting that CUDA is not available (core/no_cuda.cpp) and the
// CUDA build implements in cuda/device_api.cpp. Nothing here includes CUDA headers.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace visage {

// A cudaStream_t, kept opaque so that host code compiles without the CUDA headers.
using StreamHandle = void*;

// Hands out device memory; the CUDA build's implementation caches freed blocks per size class.
class DeviceAllocator {
 public:
  virtual ~DeviceAllocator() = default;
  virtual void* allocate(std::size_t bytes, StreamHandle stream) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes, StreamHandle stream) = 0;
};

// Per-device resources (stream, cuBLAS and cuDNN handles, allocator, workspace):
// cuda/resources.hpp.
class CudaResources;
class Communicator;

namespace device {

bool built_with_cuda();
// Number of usable GPUs; 0 in a CPU-only build or on a machine without a GPU.
int count();
// Human-readable versions of the GPU, driver, CUDA, cuDNN and NCCL, or why there are none.
std::string describe();
// Bytes of memory on GPU `device_id`.
std::size_t memory_bytes(int device_id);

// The run's communicator with NCCL for the collectives on device memory (host collectives stay
// with `host`, which also carries NCCL's unique id to every rank). NCCL is opened at run time
// (libnccl.so.2), so only multi-GPU runs need it.
std::shared_ptr<Communicator> with_nccl(std::shared_ptr<Communicator> host, int device_id);

std::shared_ptr<CudaResources> make_resources(int device_id);
std::shared_ptr<DeviceAllocator> allocator_of(CudaResources& resources);
StreamHandle stream_of(CudaResources& resources);

void* allocate_pinned(std::size_t bytes);
void free_pinned(void* ptr);
// Stream-ordered copies; copy_to_host waits for the stream so the host may read at once.
void copy_to_device(void* dst, const void* src, std::size_t bytes, StreamHandle stream);
void copy_to_host(void* dst, const void* src, std::size_t bytes, StreamHandle stream);
void copy_device_to_device(void* dst, const void* src, std::size_t bytes, StreamHandle stream);
void fill_zero(void* dst, std::size_t bytes, StreamHandle stream);
void fill(float* dst, std::size_t count, float value, StreamHandle stream);
void synchronize(StreamHandle stream);

}  // namespace device
}  // namespace visage
