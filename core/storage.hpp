// A byte buffer mirrored lazily between host and device memory (Caffe's SyncedMemory).
// The host copy is pinned once the buffer has lived on a GPU, so transfers can be asynchronous.
#pragma once

#include <cstddef>
#include <memory>

#include "core/device_api.hpp"

namespace visage {

class Context;

class Storage {
 public:
  explicit Storage(std::size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  std::size_t bytes() const { return bytes_; }

  const void* host();
  void* mutable_host();
  const void* device(const Context& ctx);
  void* mutable_device(const Context& ctx);

  // Zeroes the buffer on the side `ctx` computes on, without a transfer.
  void set_zero(const Context& ctx);
  bool has_device_copy() const { return device_ != nullptr; }

 private:
  enum class Head { uninitialized, host, device, synced };

  void ensure_host_allocated();
  void ensure_device_allocated(const Context& ctx);
  std::size_t device_bytes() const;
  void sync_to_host();
  void sync_to_device(const Context& ctx);

  std::size_t bytes_;
  Head head_ = Head::uninitialized;
  void* host_ = nullptr;
  bool host_pinned_ = false;
  void* device_ = nullptr;
  std::shared_ptr<DeviceAllocator> allocator_;
  StreamHandle stream_ = nullptr;
};

}  // namespace visage
