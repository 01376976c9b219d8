// Everything a GPU context owns, each with RAII: the stream, the cuBLAS and cuDNN handles bound to
// it, the device's caching allocator and one shared workspace arena (cuDNN and im2col scratch).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <memory>

#include "cuda/caching_allocator.hpp"

namespace visage {

class CudaResources {
 public:
  explicit CudaResources(int device_id);
  ~CudaResources();
  CudaResources(const CudaResources&) = delete;
  CudaResources& operator=(const CudaResources&) = delete;

  int device_id() const { return device_id_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  const std::shared_ptr<gpu::CachingAllocator>& allocator() const { return allocator_; }

  // Scratch device memory of at least `bytes`, valid until the next call; grows, never shrinks.
  void* workspace(std::size_t bytes);

 private:
  int device_id_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  std::shared_ptr<gpu::CachingAllocator> allocator_;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 0;
};

}  // namespace visage
