// Device twins of core/math.hpp (cuBLAS on the context's stream), same names and argument order
// plus the Context. Row-major like the host versions. Only compiled in CUDA builds.
#pragma once

#include <cstdint>

#include "core/context.hpp"
#include "core/math.hpp"

namespace visage::gpu {

using cpu::Trans;

void gemm(const Context& ctx, Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, const float* b, float beta, float* c);
// C_i = alpha * op(A_i) * op(B_i) + beta * C_i for i < batch, matrices `stride_*` floats apart.
void gemm_strided_batched(const Context& ctx, Trans trans_a, Trans trans_b, int64_t m, int64_t n,
                          int64_t k, float alpha, const float* a, int64_t stride_a, const float* b,
                          int64_t stride_b, float beta, float* c, int64_t stride_c, int64_t batch);
void gemv(const Context& ctx, Trans trans_a, int64_t m, int64_t n, float alpha, const float* a,
          const float* x, float beta, float* y);
void axpy(const Context& ctx, int64_t n, float alpha, const float* x, float* y);
void axpby(const Context& ctx, int64_t n, float alpha, const float* x, float beta, float* y);
void scal(const Context& ctx, int64_t n, float alpha, float* x);
// Results land in device memory (`result` is a device pointer) so nothing waits on the host.
void dot(const Context& ctx, int64_t n, const float* x, const float* y, float* result);
void asum(const Context& ctx, int64_t n, const float* x, float* result);
void fill(const Context& ctx, int64_t n, float value, float* x);
void copy(const Context& ctx, int64_t n, const float* x, float* y);

}  // namespace visage::gpu
