#include "core/storage.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/context.hpp"
#include "core/error.hpp"

namespace visage {
namespace {
constexpr std::size_t kHostAlignment = 64;

std::size_t round_up(std::size_t bytes) {
  return (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
}
}  // namespace

// An empty tensor still gets a device block (a valid pointer for kernels that read nothing), and
// it must be returned under the size it was taken with: the allocator files blocks by size.
std::size_t Storage::device_bytes() const { return std::max<std::size_t>(bytes_, 1); }

Storage::Storage(std::size_t bytes) : bytes_(bytes) {}

Storage::~Storage() {
  if (host_ != nullptr) {
    if (host_pinned_) {
      device::free_pinned(host_);
    } else {
      std::free(host_);
    }
  }
  if (device_ != nullptr) allocator_->deallocate(device_, device_bytes(), stream_);
}

void Storage::ensure_host_allocated() {
  if (host_ != nullptr) return;
  const std::size_t size = round_up(std::max<std::size_t>(bytes_, 1));
  if (device_ != nullptr) {
    host_ = device::allocate_pinned(size);
    host_pinned_ = true;
  } else {
    host_ = std::aligned_alloc(kHostAlignment, size);
    if (host_ == nullptr) fail("out of host memory allocating ", bytes_, " bytes");
  }
}

void Storage::ensure_device_allocated(const Context& ctx) {
  if (device_ != nullptr) return;
  allocator_ = ctx.allocator();
  stream_ = ctx.stream();
  device_ = allocator_->allocate(device_bytes(), stream_);
  if (host_ != nullptr && !host_pinned_) {
    // The buffer now lives on a GPU: move its host mirror to pinned memory once, so every later
    // transfer can be asynchronous.
    void* pinned = device::allocate_pinned(round_up(std::max<std::size_t>(bytes_, 1)));
    std::memcpy(pinned, host_, bytes_);
    std::free(host_);
    host_ = pinned;
    host_pinned_ = true;
  }
}

void Storage::sync_to_host() {
  switch (head_) {
    case Head::uninitialized:
      ensure_host_allocated();
      std::memset(host_, 0, bytes_);
      head_ = Head::host;
      break;
    case Head::device:
      ensure_host_allocated();
      device::copy_to_host(host_, device_, bytes_, stream_);
      head_ = Head::synced;
      break;
    case Head::host:
    case Head::synced:
      break;
  }
}

void Storage::sync_to_device(const Context& ctx) {
  switch (head_) {
    case Head::uninitialized:
      ensure_device_allocated(ctx);
      device::fill_zero(device_, bytes_, stream_);
      head_ = Head::device;
      break;
    case Head::host:
      ensure_device_allocated(ctx);
      device::copy_to_device(device_, host_, bytes_, stream_);
      head_ = Head::synced;
      break;
    case Head::device:
    case Head::synced:
      break;
  }
}

const void* Storage::host() {
  sync_to_host();
  return host_;
}

void* Storage::mutable_host() {
  sync_to_host();
  head_ = Head::host;
  return host_;
}

const void* Storage::device(const Context& ctx) {
  sync_to_device(ctx);
  return device_;
}

void* Storage::mutable_device(const Context& ctx) {
  sync_to_device(ctx);
  head_ = Head::device;
  return device_;
}

void Storage::set_zero(const Context& ctx) {
  if (ctx.is_gpu()) {
    ensure_device_allocated(ctx);
    device::fill_zero(device_, bytes_, stream_);
    head_ = Head::device;
  } else {
    ensure_host_allocated();
    std::memset(host_, 0, bytes_);
    head_ = Head::host;
  }
}

}  // namespace visage
