// One caching device allocator per GPU: freed blocks are kept in size classes and handed out
// again, so steady-state training does no cudaMalloc/cudaFree (which synchronise the device).
// Every context of a device uses a single stream, so a block freed in stream order can be reused
// by the next allocation on that stream without an event.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

#include "core/device_api.hpp"

namespace visage::gpu {

class CachingAllocator final : public DeviceAllocator {
 public:
  explicit CachingAllocator(int device_id) : device_id_(device_id) {}
  ~CachingAllocator() override;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  void* allocate(std::size_t bytes, StreamHandle stream) override;
  void deallocate(void* ptr, std::size_t bytes, StreamHandle stream) override;

  // Returns every cached block to the driver.
  void release_cache();
  std::size_t bytes_in_use() const;
  std::size_t bytes_cached() const;

 private:
  static std::size_t size_class(std::size_t bytes);

  int device_id_;
  mutable std::mutex mutex_;
  std::multimap<std::size_t, void*> free_blocks_;  // size class -> block
  std::size_t in_use_ = 0;
  std::size_t cached_ = 0;
};

}  // namespace visage::gpu
