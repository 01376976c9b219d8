// Row-major dense linear algebra on the host (OpenBLAS). The device twins, with the same names and
// argument order plus a Context, are in cuda/math.hpp.
#pragma once

#include <cstdint>

namespace visage::cpu {

enum class Trans { no, yes };

// Row strides of a GEMM's matrices, in floats; 0: the matrix's own width (packed rows).
struct LeadingDims {
  int64_t a = 0;
  int64_t b = 0;
  int64_t c = 0;
};

// C = alpha * op(A) * op(B) + beta * C, with op(A) M x K and op(B) K x N. `ld` lets any of the
// three be a block of columns of a wider matrix.
void gemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c, LeadingDims ld = {});
// y = alpha * op(A) * x + beta * y, with A an M x N matrix.
void gemv(Trans trans_a, int64_t m, int64_t n, float alpha, const float* a, const float* x,
          float beta, float* y);
void axpy(int64_t n, float alpha, const float* x, float* y);
void axpby(int64_t n, float alpha, const float* x, float beta, float* y);
void scal(int64_t n, float alpha, float* x);
float dot(int64_t n, const float* x, const float* y);
float asum(int64_t n, const float* x);
// The sum of x[0..n), in 16 interleaved partial sums added up in a fixed order: it vectorises
// (a plain running sum waits on each add), and gives the same bits on every run.
float sum(int64_t n, const float* x);

}  // namespace visage::cpu
