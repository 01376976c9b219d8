// Coarse-grained CPU parallelism for layers made of many small GEMMs (LocallyConnected): the work
// is cut into one contiguous slice per BLAS thread, each slice runs on its own std::thread, and
// OpenBLAS is kept single-threaded meanwhile. OpenBLAS would otherwise thread every small GEMM
// above its size threshold, paying a fork/join per call; with more runnable threads than cores
// that costs 50x (measured on DeepFace L4: 82 s instead of 1.7 s per forward pass).
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace visage::cpu {

// How many slices run_sliced uses: the BLAS thread count (OPENBLAS_NUM_THREADS, or the cores).
inline int slice_workers(int64_t total) {
  return static_cast<int>(
      std::clamp<int64_t>(openblas_get_num_threads(), 1, std::max<int64_t>(total, 1)));
}

// Calls body(first, end, worker) for `workers` contiguous slices of [0, total); worker 0 runs on
// the calling thread. Returns when all are done. body must not throw.
template <typename Body>
void run_sliced(int64_t total, int workers, Body&& body) {
  if (workers <= 1) {
    body(int64_t{0}, total, 0);
    return;
  }
  const int saved = openblas_get_num_threads();
  openblas_set_num_threads(1);
  {
    std::vector<std::jthread> threads;
    for (int w = 1; w < workers; ++w) {
      threads.emplace_back([&, w] { body(total * w / workers, total * (w + 1) / workers, w); });
    }
    body(int64_t{0}, total / workers, 0);
  }  // joins
  openblas_set_num_threads(saved);
}

}  // namespace visage::cpu
