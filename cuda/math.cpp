// cuBLAS is column-major; a row-major C = op(A) op(B) is the column-major C^T = op(B)^T op(A)^T,
// so every call swaps the operands rather than transposing data.
#include "cuda/math.hpp"

#include "cuda/kernel.cuh"

namespace visage::gpu {
namespace {

cublasOperation_t op(Trans t) { return t == Trans::yes ? CUBLAS_OP_T : CUBLAS_OP_N; }

// Restores the handle's host pointer mode when a device-result call is done.
class DevicePointerMode {
 public:
  explicit DevicePointerMode(cublasHandle_t handle) : handle_(handle) {
    VISAGE_CUDA_CHECK(cublasSetPointerMode(handle_, CUBLAS_POINTER_MODE_DEVICE));
  }
  ~DevicePointerMode() { cublasSetPointerMode(handle_, CUBLAS_POINTER_MODE_HOST); }
  DevicePointerMode(const DevicePointerMode&) = delete;
  DevicePointerMode& operator=(const DevicePointerMode&) = delete;

 private:
  cublasHandle_t handle_;
};

}  // namespace

void gemm(const Context& ctx, Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, const float* b, float beta, float* c) {
  const int lda = checked_int(trans_a == Trans::no ? k : m, "GEMM leading dimension of A");
  const int ldb = checked_int(trans_b == Trans::no ? n : k, "GEMM leading dimension of B");
  VISAGE_CUDA_CHECK(cublasSgemm(cublas(ctx), op(trans_b), op(trans_a), checked_int(n, "GEMM n"),
                                checked_int(m, "GEMM m"), checked_int(k, "GEMM k"), &alpha, b, ldb,
                                a, lda, &beta, c, checked_int(n, "GEMM n")));
}

void gemm_strided_batched(const Context& ctx, Trans trans_a, Trans trans_b, int64_t m, int64_t n,
                          int64_t k, float alpha, const float* a, int64_t stride_a, const float* b,
                          int64_t stride_b, float beta, float* c, int64_t stride_c, int64_t batch) {
  const int lda = checked_int(trans_a == Trans::no ? k : m, "GEMM leading dimension of A");
  const int ldb = checked_int(trans_b == Trans::no ? n : k, "GEMM leading dimension of B");
  VISAGE_CUDA_CHECK(cublasSgemmStridedBatched(
      cublas(ctx), op(trans_b), op(trans_a), checked_int(n, "GEMM n"), checked_int(m, "GEMM m"),
      checked_int(k, "GEMM k"), &alpha, b, ldb, stride_b, a, lda, stride_a, &beta, c,
      checked_int(n, "GEMM n"), stride_c, checked_int(batch, "GEMM batch count")));
}

void gemv(const Context& ctx, Trans trans_a, int64_t m, int64_t n, float alpha, const float* a,
          const float* x, float beta, float* y) {
  // Row-major M x N is column-major N x M: flip the transpose flag.
  const cublasOperation_t flipped = trans_a == Trans::no ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int rows = checked_int(n, "GEMV n");
  VISAGE_CUDA_CHECK(cublasSgemv(cublas(ctx), flipped, rows, checked_int(m, "GEMV m"), &alpha, a,
                                rows, x, 1, &beta, y, 1));
}

void axpy(const Context& ctx, int64_t n, float alpha, const float* x, float* y) {
  VISAGE_CUDA_CHECK(cublasSaxpy(cublas(ctx), checked_int(n, "AXPY length"), &alpha, x, 1, y, 1));
}

void axpby(const Context& ctx, int64_t n, float alpha, const float* x, float beta, float* y) {
  scal(ctx, n, beta, y);
  axpy(ctx, n, alpha, x, y);
}

void scal(const Context& ctx, int64_t n, float alpha, float* x) {
  VISAGE_CUDA_CHECK(cublasSscal(cublas(ctx), checked_int(n, "SCAL length"), &alpha, x, 1));
}

void dot(const Context& ctx, int64_t n, const float* x, const float* y, float* result) {
  DevicePointerMode mode(cublas(ctx));
  VISAGE_CUDA_CHECK(cublasSdot(cublas(ctx), checked_int(n, "DOT length"), x, 1, y, 1, result));
}

void asum(const Context& ctx, int64_t n, const float* x, float* result) {
  DevicePointerMode mode(cublas(ctx));
  VISAGE_CUDA_CHECK(cublasSasum(cublas(ctx), checked_int(n, "ASUM length"), x, 1, result));
}

void fill(const Context& ctx, int64_t n, float value, float* x) {
  device::fill(x, static_cast<std::size_t>(n), value, ctx.stream());
}

void copy(const Context& ctx, int64_t n, const float* x, float* y) {
  device::copy_device_to_device(y, x, static_cast<std::size_t>(n) * sizeof(float), ctx.stream());
}

}  // namespace visage::gpu
