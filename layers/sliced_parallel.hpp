// Coarse-grained CPU parallelism for layers made of many small GEMMs or independent planes
// (LocallyConnected, Convolution, Pooling, LRN): the work is cut into slices or blocks, each
// worker runs on its own std::thread, and OpenBLAS is kept single-threaded meanwhile. OpenBLAS
// would otherwise thread every small GEMM above its size threshold, paying a fork/join per call;
// with more runnable threads than cores that costs 50x (measured on DeepFace L4: 82 s instead of
// 1.7 s per forward pass).
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/blas_threads.hpp"
#include "core/parallel_blocks.hpp"

namespace visage::cpu {

// How many contiguous slices a backward pass cuts its `chunks` into when each slice sums its
// parameter gradients (`private_size` floats) into a buffer of its own: a few per worker for
// balance, fewer where the buffers would pass `budget` floats, never fewer than the workers.
inline int64_t gradient_slices(int64_t chunks, int workers, int64_t private_size, int64_t budget) {
  if (workers == 1) return 1;
  const int64_t affordable = budget / std::max<int64_t>(private_size, 1);
  return std::min(chunks, std::clamp<int64_t>(affordable, workers, 4 * int64_t{workers}));
}

// Calls body(first, end, worker) for `workers` contiguous slices of [0, total); worker 0 runs on
// the calling thread. Returns when all are done. body must not throw.
template <typename Body>
void run_sliced(int64_t total, int workers, Body&& body) {
  if (workers <= 1) {
    body(int64_t{0}, total, 0);
    return;
  }
  const BlasThreadsDuring single_threaded_blas(1);
  std::vector<std::jthread> threads;
  for (int w = 1; w < workers; ++w) {
    threads.emplace_back([&, w] { body(total * w / workers, total * (w + 1) / workers, w); });
  }
  body(int64_t{0}, total / workers, 0);
}  // joins the workers, then lets BLAS thread again

}  // namespace visage::cpu
