// Parallel loops over blocks of independent work on the CPU, for any floor that needs one: the
// workers are std::threads, as many as OpenBLAS has, and OpenBLAS is kept single-threaded
// meanwhile (layers/sliced_parallel.hpp says why).
#pragma once

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/blas_threads.hpp"

namespace visage::cpu {

// How many workers run_blocks and layers/sliced_parallel.hpp's run_sliced use: the BLAS thread
// count (OPENBLAS_NUM_THREADS, or the cores).
inline int slice_workers(int64_t total) {
  return static_cast<int>(
      std::clamp<int64_t>(openblas_get_num_threads(), 1, std::max<int64_t>(total, 1)));
}

// Workers for a memory-bound pass (BatchNorm, Scale, ReLU, zeroing the gradient) over `elements`
// values: the BLAS
// thread count, or 1 below the size where starting threads costs more than it saves.
inline int elementwise_workers(int64_t elements) {
  constexpr int64_t kWorthAThread = int64_t{1} << 16;
  return elements >= kWorthAThread ? slice_workers(elements / kWorthAThread) : 1;
}

// Calls body(first, end, worker) on the blocks [first, end) of at most `grain` items of
// [0, total), handed out in order to `workers` threads as each finishes its previous block
// (worker 0 is the calling thread). Unlike run_sliced (layers/sliced_parallel.hpp), a worker that
// the OS preempts (the machines are shared) does not hold the others up: they take over its
// remaining blocks. So the block a worker gets varies from run to run; use it only where the
// results do not depend on it. body must not throw.
template <typename Body>
void run_blocks(int64_t total, int64_t grain, int workers, Body&& body) {
  grain = std::max<int64_t>(grain, 1);
  std::atomic<int64_t> next{0};
  const auto work = [&](int worker) {
    for (int64_t first = next.fetch_add(grain); first < total; first = next.fetch_add(grain)) {
      body(first, std::min(first + grain, total), worker);
    }
  };
  if (workers <= 1) {
    work(0);
    return;
  }
  const BlasThreadsDuring single_threaded_blas(1);
  std::vector<std::jthread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
}  // joins the workers, then lets BLAS thread again

}  // namespace visage::cpu
