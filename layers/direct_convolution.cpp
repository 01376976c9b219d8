#include "layers/direct_convolution.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <stdexcept>

namespace visage::cpu {

namespace {

int lanes(SimdLevel level) { return level == SimdLevel::avx512 ? 16 : 8; }

int64_t blocks(const DirectShape& s, SimdLevel level) {
  return (s.outputs + lanes(level) - 1) / lanes(level);
}

// Packs weight(o, c, ky, kx) for output channel o, input channel c, kernel tap (ky, kx).
template <typename Weight>
void pack(const DirectShape& s, SimdLevel level, Weight&& weight, float* packed) {
  const int lane_count = lanes(level);
  float* p = packed;
  for (int64_t block = 0; block < blocks(s, level); ++block) {
    for (int64_t c = 0; c < s.channels; ++c) {
      for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
        for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
          for (int lane = 0; lane < lane_count; ++lane) {
            const int64_t o = block * lane_count + lane;
            *p++ = o < s.outputs ? weight(o, c, ky, kx) : 0.0f;
          }
        }
      }
    }
  }
}

#if defined(__x86_64__)
// The two kernels below share one structure; only the vector type and its intrinsics differ.
// The accumulators' loops over `Lanes` are unrolled, so that they live in registers.

__attribute__((target("avx512f"))) void convolve_avx512(const DirectShape& s, const float* packed,
                                                        const float* in, const float* bias,
                                                        bool relu, float* out, int64_t out_stride,
                                                        bool accumulate) {
  constexpr int Lanes = 16;
  const int64_t out_h = s.out_h(), out_w = s.out_w(), plane = s.height * s.width;
  const int64_t block_floats = s.channels * s.kernel_h * s.kernel_w * Lanes;
  for (int64_t block = 0; block * Lanes < s.outputs; ++block) {
    const int64_t first = block * Lanes;
    const int64_t count = std::min<int64_t>(Lanes, s.outputs - first);
    for (int64_t y = 0; y < out_h; ++y) {
      for (int64_t x0 = 0; x0 < out_w; x0 += Lanes) {
        const int64_t n = std::min<int64_t>(Lanes, out_w - x0);
        const auto mask = static_cast<__mmask16>((1u << n) - 1u);
        __m512 acc[Lanes];
#pragma GCC unroll 16
        for (int o = 0; o < Lanes; ++o) {
          acc[o] =
              accumulate && o < count
                  ? _mm512_maskz_loadu_ps(mask, out + (first + o) * out_stride + y * out_w + x0)
                  : _mm512_setzero_ps();
        }
        const float* w = packed + block * block_floats;
        for (int64_t c = 0; c < s.channels; ++c) {
          for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
            const float* row = in + c * plane + (y + ky) * s.width + x0;
            for (int64_t kx = 0; kx < s.kernel_w; ++kx, w += Lanes) {
              const __m512 v = _mm512_maskz_loadu_ps(mask, row + kx);
#pragma GCC unroll 16
              for (int o = 0; o < Lanes; ++o) {
                acc[o] = _mm512_fmadd_ps(_mm512_set1_ps(w[o]), v, acc[o]);
              }
            }
          }
        }
        // Unrolled too: indexed at run time, the accumulators would live on the stack.
#pragma GCC unroll 16
        for (int o = 0; o < Lanes; ++o) {
          if (o >= count) break;
          __m512 r = acc[o];
          if (bias != nullptr) r = _mm512_add_ps(r, _mm512_set1_ps(bias[first + o]));
          // max(0, r) returns r where r is NaN, as std::max(r, 0.0f) does. (The zero-masked form
          // with every lane on: _mm512_max_ps trips GCC 12's -Wmaybe-uninitialized.)
          if (relu) r = _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), r);
          _mm512_mask_storeu_ps(out + (first + o) * out_stride + y * out_w + x0, mask, r);
        }
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void convolve_avx2(const DirectShape& s, const float* packed,
                                                       const float* in, const float* bias,
                                                       bool relu, float* out, int64_t out_stride,
                                                       bool accumulate) {
  constexpr int Lanes = 8;
  const int64_t out_h = s.out_h(), out_w = s.out_w(), plane = s.height * s.width;
  const int64_t block_floats = s.channels * s.kernel_h * s.kernel_w * Lanes;
  const __m256i lane_index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t block = 0; block * Lanes < s.outputs; ++block) {
    const int64_t first = block * Lanes;
    const int64_t count = std::min<int64_t>(Lanes, s.outputs - first);
    for (int64_t y = 0; y < out_h; ++y) {
      for (int64_t x0 = 0; x0 < out_w; x0 += Lanes) {
        const int n = static_cast<int>(std::min<int64_t>(Lanes, out_w - x0));
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane_index);
        __m256 acc[Lanes];
#pragma GCC unroll 8
        for (int o = 0; o < Lanes; ++o) {
          acc[o] = accumulate && o < count
                       ? _mm256_maskload_ps(out + (first + o) * out_stride + y * out_w + x0, mask)
                       : _mm256_setzero_ps();
        }
        const float* w = packed + block * block_floats;
        for (int64_t c = 0; c < s.channels; ++c) {
          for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
            const float* row = in + c * plane + (y + ky) * s.width + x0;
            for (int64_t kx = 0; kx < s.kernel_w; ++kx, w += Lanes) {
              const __m256 v = _mm256_maskload_ps(row + kx, mask);
#pragma GCC unroll 8
              for (int o = 0; o < Lanes; ++o) {
                acc[o] = _mm256_fmadd_ps(_mm256_set1_ps(w[o]), v, acc[o]);
              }
            }
          }
        }
        // Unrolled too: indexed at run time, the accumulators would live on the stack.
#pragma GCC unroll 8
        for (int o = 0; o < Lanes; ++o) {
          if (o >= count) break;
          __m256 r = acc[o];
          if (bias != nullptr) r = _mm256_add_ps(r, _mm256_set1_ps(bias[first + o]));
          if (relu) r = _mm256_max_ps(_mm256_setzero_ps(), r);
          _mm256_maskstore_ps(out + (first + o) * out_stride + y * out_w + x0, mask, r);
        }
      }
    }
  }
}

#endif  // __x86_64__

}  // namespace

bool direct_convolution_suits(const WindowGeometry& window, int64_t group, int64_t outputs) {
  // Few outputs: more and im2col's GEMM spends each packed column on enough of them. Kernels
  // from 7x7: Winograd takes 3x3 and 5x5 ones. Rows of at least one AVX-512 vector: on narrower
  // maps most lanes would idle, where im2col puts several images side by side in one GEMM.
  constexpr int64_t kMostOutputs = 32;
  constexpr int64_t kLeastKernel = 7;
  constexpr int64_t kLeastWidth = 16;
  return window.stride_h == 1 && window.stride_w == 1 && window.dilation_h == 1 &&
         window.dilation_w == 1 && group == 1 && outputs <= kMostOutputs &&
         window.kernel_h >= kLeastKernel && window.kernel_w >= kLeastKernel &&
         window.out_w() >= kLeastWidth;
}

int64_t direct_packed_size(const DirectShape& s, SimdLevel level) {
  return blocks(s, level) * s.channels * s.kernel_h * s.kernel_w * lanes(level);
}

void pack_direct_weights(const DirectShape& s, SimdLevel level, const float* weights,
                         float* packed) {
  pack(
      s, level,
      [&](int64_t o, int64_t c, int64_t ky, int64_t kx) {
        return weights[((o * s.channels + c) * s.kernel_h + ky) * s.kernel_w + kx];
      },
      packed);
}

void pack_direct_weights_adjoint(const DirectShape& s, SimdLevel level, const float* weights,
                                 float* packed) {
  // Here s.outputs is the layer's input channels and s.channels its outputs.
  pack(
      s, level,
      [&](int64_t c, int64_t o, int64_t ky, int64_t kx) {
        const int64_t flipped_y = s.kernel_h - 1 - ky, flipped_x = s.kernel_w - 1 - kx;
        return weights[((o * s.outputs + c) * s.kernel_h + flipped_y) * s.kernel_w + flipped_x];
      },
      packed);
}

namespace {

void run_kernel(const DirectShape& s, SimdLevel level, const float* packed, const float* in,
                const float* bias, bool relu, float* out, int64_t out_stride, bool accumulate) {
#if defined(__x86_64__)
  switch (level) {
    case SimdLevel::avx512:
      convolve_avx512(s, packed, in, bias, relu, out, out_stride, accumulate);
      return;
    case SimdLevel::avx2:
      convolve_avx2(s, packed, in, bias, relu, out, out_stride, accumulate);
      return;
    case SimdLevel::baseline:
      break;
  }
#endif
  throw std::logic_error("direct convolution: no kernel for the baseline x86-64 level");
}

}  // namespace

void direct_convolve(const DirectShape& s, SimdLevel level, const float* packed, const float* in,
                     const float* bias, bool relu, float* out) {
  run_kernel(s, level, packed, in, bias, relu, out, s.out_h() * s.out_w(), false);
}

void direct_convolve_add(const DirectShape& s, SimdLevel level, const float* packed,
                         const float* in, float* out, int64_t out_stride) {
  run_kernel(s, level, packed, in, nullptr, false, out, out_stride, true);
}

}  // namespace visage::cpu
