#include "cuda/caching_allocator.hpp"

#include <cuda_runtime.h>

#include "core/error.hpp"

namespace visage::gpu {

CachingAllocator::~CachingAllocator() { release_cache(); }

std::size_t CachingAllocator::size_class(std::size_t bytes) {
  // 512-byte granularity below 1 MiB, then 2 MiB steps: bounded waste, few distinct classes.
  constexpr std::size_t small = 512;
  constexpr std::size_t large = 2u << 20;
  if (bytes < (1u << 20)) return (bytes + small - 1) / small * small;
  return (bytes + large - 1) / large * large;
}

void* CachingAllocator::allocate(std::size_t bytes, StreamHandle) {
  const std::size_t size = size_class(bytes);
  std::lock_guard lock(mutex_);
  if (const auto it = free_blocks_.find(size); it != free_blocks_.end()) {
    void* ptr = it->second;
    free_blocks_.erase(it);
    cached_ -= size;
    in_use_ += size;
    return ptr;
  }
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(device_id_);
  void* ptr = nullptr;
  cudaError_t status = cudaMalloc(&ptr, size);
  if (status == cudaErrorMemoryAllocation && cached_ > 0) {
    cudaGetLastError();  // clear the sticky-free error before retrying
    for (auto& [block_size, block] : free_blocks_) cudaFree(block);
    free_blocks_.clear();
    cached_ = 0;
    status = cudaMalloc(&ptr, size);
  }
  cudaSetDevice(previous);
  if (status != cudaSuccess) {
    cudaGetLastError();
    fail("out of GPU memory on device ", device_id_, ": could not allocate ", bytes, " bytes (",
         in_use_, " bytes in use by Visage): ", cudaGetErrorString(status),
         "; try a smaller batch_size");
  }
  in_use_ += size;
  return ptr;
}

void CachingAllocator::deallocate(void* ptr, std::size_t bytes, StreamHandle) {
  if (ptr == nullptr) return;
  const std::size_t size = size_class(bytes);
  std::lock_guard lock(mutex_);
  free_blocks_.emplace(size, ptr);
  in_use_ -= size;
  cached_ += size;
}

void CachingAllocator::release_cache() {
  std::lock_guard lock(mutex_);
  for (auto& [size, block] : free_blocks_) cudaFree(block);
  free_blocks_.clear();
  cached_ = 0;
}

std::size_t CachingAllocator::bytes_in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

std::size_t CachingAllocator::bytes_cached() const {
  std::lock_guard lock(mutex_);
  return cached_;
}

}  // namespace visage::gpu
