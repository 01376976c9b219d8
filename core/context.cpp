#include "core/context.hpp"

#include <unistd.h>

#include "core/error.hpp"

namespace visage {

Context::Context(int device_id, uint64_t seed, std::shared_ptr<CudaResources> cuda)
    : device_id_(device_id), rng_(seed), cuda_(std::move(cuda)) {}

Context Context::cpu(uint64_t seed) { return Context(-1, seed, nullptr); }

Context Context::gpu(int device_id, uint64_t seed) {
  VISAGE_CHECK(device::built_with_cuda(),
               "a GPU was asked for, but this Visage was built without CUDA; run on the CPU "
               "(--device cpu) or rebuild with -DVISAGE_CUDA=ON");
  const int available = device::count();
  VISAGE_CHECK(device_id >= 0 && device_id < available, "GPU ", device_id,
               " was asked for, but this machine has ", available,
               available == 0 ? " GPUs; run on the CPU instead (--device cpu)" : " GPUs");
  return Context(device_id, seed, device::make_resources(device_id));
}

std::size_t host_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  VISAGE_CHECK(pages > 0 && page_size > 0, "cannot tell this machine's memory (sysconf)");
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size);
}

std::size_t Context::memory_bytes() const {
  if (is_gpu()) return device::memory_bytes(device_id_);
  return host_memory_bytes();
}

void Context::set_simd_level(cpu::SimdLevel level) {
  VISAGE_CHECK(static_cast<int>(level) <= static_cast<int>(cpu::simd_level()),
               "vector kernels for ", cpu::simd_level_name(level),
               " were asked for, but this processor offers at most ",
               cpu::simd_level_name(cpu::simd_level()));
  simd_level_ = level;
}

std::string Context::describe() const {
  return is_gpu() ? concat("GPU ", device_id_) : std::string("CPU");
}

CudaResources& Context::cuda() const {
  VISAGE_CHECK(cuda_ != nullptr, "GPU resources requested from a CPU context");
  return *cuda_;
}

std::shared_ptr<DeviceAllocator> Context::allocator() const { return device::allocator_of(cuda()); }

StreamHandle Context::stream() const { return device::stream_of(cuda()); }

void Context::synchronize() const {
  if (is_gpu()) device::synchronize(stream());
}

float* Context::host_workspace(std::size_t floats) {
  if (host_workspace_.size() < floats) host_workspace_.resize(floats);
  return host_workspace_.data();
}

}  // namespace visage
