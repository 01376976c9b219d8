// NCCL for the collectives on device memory in a multi-GPU run (core/device_api.hpp's
// with_nccl). NCCL is opened at run time, as device-query does, so single-GPU runs and the
// portable package never need it; its API is nccl.h's, called through the functions dlsym finds.
// Every device collective is watched: a peer that died or hangs would leave NCCL's kernel waiting
// forever, so after a timeout the communicator is aborted and the rank fails with a message.
// Gradient buckets are reduced on a stream of the communicator's own while the backward pass goes
// on (start_sum_on_device).
#include <dlfcn.h>
#include <nccl.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/communicator.hpp"
#include "core/device_api.hpp"
#include "cuda/kernel.cuh"

namespace visage::device {
namespace {

// The few entry points used, from libnccl.so.2.
struct NcclLibrary {
  void* handle = nullptr;
  decltype(&ncclGetUniqueId) get_unique_id = nullptr;
  decltype(&ncclCommInitRank) init_rank = nullptr;
  decltype(&ncclAllReduce) all_reduce = nullptr;
  decltype(&ncclAllGather) all_gather = nullptr;
  decltype(&ncclCommDestroy) destroy = nullptr;
  decltype(&ncclCommAbort) abort = nullptr;
  decltype(&ncclCommGetAsyncError) async_error = nullptr;
  decltype(&ncclGetErrorString) error_string = nullptr;

  NcclLibrary() {
    handle = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    VISAGE_CHECK(handle != nullptr,
                 "a multi-GPU run needs NCCL, and libnccl.so.2 cannot be opened (", dlerror(),
                 "); install NCCL or put its lib folder on LD_LIBRARY_PATH");
    load(get_unique_id, "ncclGetUniqueId");
    load(init_rank, "ncclCommInitRank");
    load(all_reduce, "ncclAllReduce");
    load(all_gather, "ncclAllGather");
    load(destroy, "ncclCommDestroy");
    load(abort, "ncclCommAbort");
    load(async_error, "ncclCommGetAsyncError");
    load(error_string, "ncclGetErrorString");
  }
  ~NcclLibrary() { dlclose(handle); }
  NcclLibrary(const NcclLibrary&) = delete;
  NcclLibrary& operator=(const NcclLibrary&) = delete;

  template <typename Function>
  void load(Function& function, const char* name) {
    function = reinterpret_cast<Function>(dlsym(handle, name));
    VISAGE_CHECK(function != nullptr, "libnccl.so.2 has no ", name, " (NCCL 2.x is needed)");
  }

  void check(ncclResult_t status, const char* what) const {
    VISAGE_CHECK(status == ncclSuccess, what, " failed: ", error_string(status));
  }
};

// How long a device collective may take before the run is declared dead (VISAGE_NCCL_TIMEOUT_S
// overrides): far beyond any healthy all-reduce, short enough to free a cluster.
std::chrono::seconds collective_timeout() {
  const char* value = std::getenv("VISAGE_NCCL_TIMEOUT_S");
  const int seconds = value != nullptr ? std::atoi(value) : 0;
  return std::chrono::seconds(seconds > 0 ? seconds : 600);
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(std::shared_ptr<Communicator> host, int device_id)
      : host_(std::move(host)), timeout_(collective_timeout()) {
    ncclUniqueId id{};
    if (host_->rank() == 0) nccl_.check(nccl_.get_unique_id(&id), "ncclGetUniqueId");
    host_->broadcast(std::as_writable_bytes(std::span<ncclUniqueId>(&id, 1)), 0);
    VISAGE_CUDA_CHECK(cudaSetDevice(device_id));
    nccl_.check(nccl_.init_rank(&comm_, host_->size(), id, host_->rank()), "ncclCommInitRank");
    VISAGE_CUDA_CHECK(cudaStreamCreateWithFlags(&reduce_stream_, cudaStreamNonBlocking));
  }
  ~NcclCommunicator() override {
    for (cudaEvent_t event : gradient_ready_) cudaEventDestroy(event);
    if (reduce_stream_ != nullptr) cudaStreamDestroy(reduce_stream_);
    if (comm_ != nullptr) nccl_.destroy(comm_);
  }
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  std::string describe() const override { return host_->describe() + " with NCCL"; }
  void all_reduce_sum(std::span<float> values) override { host_->all_reduce_sum(values); }
  void all_reduce_sum(std::span<double> values) override { host_->all_reduce_sum(values); }
  bool any(bool value) override { return host_->any(value); }
  void broadcast(std::span<std::byte> bytes, int root) override { host_->broadcast(bytes, root); }
  void all_gather(std::span<const float> mine, std::span<float> all) override {
    host_->all_gather(mine, all);
  }
  void abort_all(int status) override { host_->abort(status); }

  bool reduces_on_device() const override { return true; }
  void all_reduce_sum_on_device(float* values, std::size_t count, void* stream) override {
    const auto cuda_stream = static_cast<cudaStream_t>(stream);
    nccl_.check(nccl_.all_reduce(values, values, count, ncclFloat, ncclSum, comm_, cuda_stream),
                "ncclAllReduce");
    wait(cuda_stream);
  }

  void all_gather_on_device(const float* mine, float* all, std::size_t count,
                            void* stream) override {
    const auto cuda_stream = static_cast<cudaStream_t>(stream);
    nccl_.check(nccl_.all_gather(mine, all, count, ncclFloat, comm_, cuda_stream), "ncclAllGather");
    wait(cuda_stream);
  }

  // Each bucket's all-reduce runs on reduce_stream_, after an event that marks where the compute
  // stream had got to (the bucket's last gradient written), so that NCCL's kernels overlap the
  // backward pass of the layers below. One event per bucket, reused from step to step.
  void start_sum_on_device(float* values, std::size_t count, void* stream) override {
    if (buckets_started_ == gradient_ready_.size()) {
      cudaEvent_t event = nullptr;
      VISAGE_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
      gradient_ready_.push_back(event);
    }
    cudaEvent_t ready = gradient_ready_[buckets_started_++];
    VISAGE_CUDA_CHECK(cudaEventRecord(ready, static_cast<cudaStream_t>(stream)));
    VISAGE_CUDA_CHECK(cudaStreamWaitEvent(reduce_stream_, ready, 0));
    nccl_.check(nccl_.all_reduce(values, values, count, ncclFloat, ncclSum, comm_, reduce_stream_),
                "ncclAllReduce");
  }
  // The update that follows reads every bucket, so the host waits here (watching the timeout)
  // rather than only ordering the streams.
  void finish_sums_on_device(void* stream) override {
    buckets_started_ = 0;
    wait(reduce_stream_);
  }

 private:
  // Waits for the collective, watching for NCCL's asynchronous errors (a peer lost) and the
  // timeout; either aborts the communicator so that its kernels return, and fails.
  void wait(cudaStream_t stream) {
    const auto started = std::chrono::steady_clock::now();
    while (true) {
      const cudaError_t state = cudaStreamQuery(stream);
      if (state == cudaSuccess) return;
      VISAGE_CHECK(state == cudaErrorNotReady, "NCCL collective: ", cudaGetErrorString(state));
      ncclResult_t async = ncclSuccess;
      nccl_.check(nccl_.async_error(comm_, &async), "ncclCommGetAsyncError");
      const bool late = std::chrono::steady_clock::now() - started > timeout_;
      if (async != ncclSuccess || late) {
        nccl_.abort(comm_);
        comm_ = nullptr;
        fail("NCCL collective on rank ", rank(), " of ", size(), ": ",
             late ? concat("no progress for ", timeout_.count(),
                           " s (a rank died or hangs; VISAGE_NCCL_TIMEOUT_S sets the limit)")
                  : std::string(nccl_.error_string(async)));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  NcclLibrary nccl_;
  std::shared_ptr<Communicator> host_;
  std::chrono::seconds timeout_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t reduce_stream_ = nullptr;
  std::vector<cudaEvent_t> gradient_ready_;
  std::size_t buckets_started_ = 0;
};

}  // namespace

std::shared_ptr<Communicator> with_nccl(std::shared_ptr<Communicator> host, int device_id) {
  return std::make_shared<NcclCommunicator>(std::move(host), device_id);
}

}  // namespace visage::device
