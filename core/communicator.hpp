// The collectives of a data-parallel run: one process per device ("rank"), every rank running
// the same program on its own slice of each global batch. The solver averages the gradients over
// the ranks and keeps their parameters identical; losses that need the whole global batch (the
// triplet loss's mining) gather it. A run without a Communicator is one process, exactly as before.
// The implementation over MPI's collectives is core/mpi_communicator.hpp.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <span>
#include <string>

#include "core/error.hpp"

namespace visage {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "MPI (Open MPI 4.1.4), rank 0 of 2".
  virtual std::string describe() const = 0;

  // Element-wise sum over the ranks, in place: every rank ends with the same result.
  virtual void all_reduce_sum(std::span<float> values) = 0;
  virtual void all_reduce_sum(std::span<double> values) = 0;
  // Starts summing `values` in place over the ranks and returns; finish_sums() waits for every
  // sum started, and progress() in between lets them advance (MPI moves a nonblocking collective
  // along only inside its calls). The buffer must not be touched until finish_sums(). By default
  // the sum is done at once.
  virtual void start_sum(std::span<float> values) { all_reduce_sum(values); }
  virtual void progress() {}
  virtual void finish_sums() {}
  // Whether any rank passes true (a stop request that one rank saw stops them all).
  virtual bool any(bool value) = 0;
  // `root`'s bytes to every rank; the span has the same size on every rank.
  virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
  // Every rank's `mine`, all of one length, into `all` (size() times as long) in rank order.
  virtual void all_gather(std::span<const float> mine, std::span<float> all) = 0;
  // Sums `count` floats of device memory over the ranks, in place, ordered on `stream` (a
  // cudaStream_t): gradients that live on GPUs are reduced there (NCCL). Only where
  // reduces_on_device(), which also promises all_gather_on_device(); otherwise the caller works
  // on the host copy.
  virtual bool reduces_on_device() const { return false; }
  // Every rank's `count` floats of device memory at `mine` into `all` (size() x count, rank
  // order), ordered on `stream`.
  virtual void all_gather_on_device(const float* mine, float* all, std::size_t count,
                                    void* stream) {
    fail_no_device_collectives();
  }
  virtual void all_reduce_sum_on_device(float* values, std::size_t count, void* stream) {
    fail_no_device_collectives();
  }
  // The overlapped form: starts summing `count` floats of device memory once the work queued on
  // `stream` so far (the backward pass that writes them) is done, on a stream of the
  // communicator's own, and returns at once; finish_sums_on_device() returns once every sum
  // started is complete, so that work queued on `stream` afterwards reads the reduced values. By
  // default the sum is done at once on `stream`.
  virtual void start_sum_on_device(float* values, std::size_t count, void* stream) {
    all_reduce_sum_on_device(values, count, stream);
  }
  virtual void finish_sums_on_device(void* stream) {}

  // Ends every rank of the run with `status`: what a rank that cannot go on must do, since the
  // others would otherwise wait for it in their next collective.
  [[noreturn]] void abort(int status) {
    abort_all(status);
    std::_Exit(status);  // in case the implementation returned
  }

 protected:
  virtual void abort_all(int status) = 0;

 private:
  [[noreturn]] void fail_no_device_collectives() const {
    fail(describe(), " reduces host memory only");
  }
};

}  // namespace visage
