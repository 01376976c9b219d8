#include "core/math.hpp"

#include <cblas.h>

#include <array>

namespace visage::cpu {
namespace {
CBLAS_TRANSPOSE to_cblas(Trans t) { return t == Trans::yes ? CblasTrans : CblasNoTrans; }
}  // namespace

void gemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c, LeadingDims ld) {
  const auto lda = static_cast<blasint>(ld.a > 0 ? ld.a : trans_a == Trans::no ? k : m);
  const auto ldb = static_cast<blasint>(ld.b > 0 ? ld.b : trans_b == Trans::no ? n : k);
  const auto ldc = static_cast<blasint>(ld.c > 0 ? ld.c : n);
  cblas_sgemm(CblasRowMajor, to_cblas(trans_a), to_cblas(trans_b), static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, lda, b, ldb, beta, c,
              ldc);
}

void gemv(Trans trans_a, int64_t m, int64_t n, float alpha, const float* a, const float* x,
          float beta, float* y) {
  cblas_sgemv(CblasRowMajor, to_cblas(trans_a), static_cast<blasint>(m), static_cast<blasint>(n),
              alpha, a, static_cast<blasint>(n), x, 1, beta, y, 1);
}

void axpy(int64_t n, float alpha, const float* x, float* y) {
  cblas_saxpy(static_cast<blasint>(n), alpha, x, 1, y, 1);
}

void axpby(int64_t n, float alpha, const float* x, float beta, float* y) {
  cblas_saxpby(static_cast<blasint>(n), alpha, x, 1, beta, y, 1);
}

void scal(int64_t n, float alpha, float* x) { cblas_sscal(static_cast<blasint>(n), alpha, x, 1); }

float dot(int64_t n, const float* x, const float* y) {
  return cblas_sdot(static_cast<blasint>(n), x, 1, y, 1);
}

float asum(int64_t n, const float* x) { return cblas_sasum(static_cast<blasint>(n), x, 1); }

float sum(int64_t n, const float* x) {
  constexpr int64_t kLanes = 16;
  std::array<float, kLanes> partial{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t lane = 0; lane < kLanes; ++lane) partial[lane] += x[i + lane];
  }
  for (int64_t lane = 0; i < n; ++i, ++lane) partial[lane] += x[i];
  float total = 0.0f;
  for (const float p : partial) total += p;
  return total;
}

}  // namespace visage::cpu
