#include "cuda/resources.hpp"

#include "cuda/kernel.cuh"

namespace visage {

CudaResources::CudaResources(int device_id)
    : device_id_(device_id), allocator_(std::make_shared<gpu::CachingAllocator>(device_id)) {
  VISAGE_CUDA_CHECK(cudaSetDevice(device_id));
  VISAGE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  try {
    VISAGE_CUDA_CHECK(cublasCreate(&cublas_));
    VISAGE_CUDA_CHECK(cublasSetStream(cublas_, stream_));
    VISAGE_CUDA_CHECK(cudnnCreate(&cudnn_));
    VISAGE_CUDA_CHECK(cudnnSetStream(cudnn_, stream_));
  } catch (...) {
    if (cublas_ != nullptr) cublasDestroy(cublas_);
    cudaStreamDestroy(stream_);
    throw;
  }
}

CudaResources::~CudaResources() {
  if (workspace_ != nullptr) allocator_->deallocate(workspace_, workspace_bytes_, stream_);
  cudaStreamSynchronize(stream_);
  cudnnDestroy(cudnn_);
  cublasDestroy(cublas_);
  cudaStreamDestroy(stream_);
}

void* CudaResources::workspace(std::size_t bytes) {
  if (bytes > workspace_bytes_) {
    if (workspace_ != nullptr) allocator_->deallocate(workspace_, workspace_bytes_, stream_);
    workspace_ = allocator_->allocate(bytes, stream_);
    workspace_bytes_ = bytes;
  }
  return workspace_;
}

}  // namespace visage
