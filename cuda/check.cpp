#include "cuda/kernel.cuh"
#include "cuda/resources.hpp"

namespace visage::gpu {

void check(cublasStatus_t status, const char* what, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    fail("cuBLAS error in ", what, " (", file, ":", line, "): ", cublasGetStatusString(status));
  }
}

void check(cudnnStatus_t status, const char* what, const char* file, int line) {
  if (status != CUDNN_STATUS_SUCCESS) {
    fail("cuDNN error in ", what, " (", file, ":", line, "): ", cudnnGetErrorString(status));
  }
}

cublasHandle_t cublas(const Context& ctx) { return ctx.cuda().cublas(); }
cudnnHandle_t cudnn(const Context& ctx) { return ctx.cuda().cudnn(); }

}  // namespace visage::gpu
