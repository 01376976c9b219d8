// The device API of a CPU-only build: every entry point that would need a GPU says so clearly.
#include "core/device_api.hpp"
#include "core/error.hpp"

namespace visage::device {
namespace {
[[noreturn]] void unavailable(const char* what) {
  fail(what,
       ": this Visage was built without CUDA (configure with -DVISAGE_CUDA=ON on a machine "
       "with the CUDA toolkit)");
}
}  // namespace

bool built_with_cuda() { return false; }
int count() { return 0; }
std::string describe() { return "no GPU: this Visage was built without CUDA\n"; }
std::size_t memory_bytes(int) { unavailable("GPU memory"); }
std::shared_ptr<Communicator> with_nccl(std::shared_ptr<Communicator>, int) { unavailable("NCCL"); }
std::shared_ptr<CudaResources> make_resources(int) { unavailable("creating a GPU context"); }
std::shared_ptr<DeviceAllocator> allocator_of(CudaResources&) { unavailable("device allocator"); }
StreamHandle stream_of(CudaResources&) { unavailable("CUDA stream"); }
void* allocate_pinned(std::size_t) { unavailable("pinned memory"); }
void free_pinned(void*) { unavailable("pinned memory"); }
void copy_to_device(void*, const void*, std::size_t, StreamHandle) { unavailable("copy to GPU"); }
void copy_to_host(void*, const void*, std::size_t, StreamHandle) { unavailable("copy from GPU"); }
void copy_device_to_device(void*, const void*, std::size_t, StreamHandle) {
  unavailable("copy on GPU");
}
void fill_zero(void*, std::size_t, StreamHandle) { unavailable("GPU memset"); }
void fill(float*, std::size_t, float, StreamHandle) { unavailable("GPU fill"); }
void synchronize(StreamHandle) { unavailable("stream synchronize"); }

}  // namespace visage::device
