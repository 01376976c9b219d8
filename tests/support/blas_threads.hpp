// Sets OpenBLAS's thread count for one scope. The CPU halves of several layers split their work
// by it (layers/sliced_parallel.hpp), so tests run them with one and with several workers.
#pragma once

#include <cblas.h>

namespace visage::testing {

class BlasThreads {
 public:
  explicit BlasThreads(int n) : saved_(openblas_get_num_threads()) { openblas_set_num_threads(n); }
  ~BlasThreads() { openblas_set_num_threads(saved_); }
  BlasThreads(const BlasThreads&) = delete;
  BlasThreads& operator=(const BlasThreads&) = delete;

 private:
  int saved_;
};

}  // namespace visage::testing
