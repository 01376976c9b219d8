// A direct convolution kernel for Convolution's CPU passes under ConvolutionAlgorithms::fastest,
// for stride-1 layers with few output channels and large kernels (DeepFace's C1, 11x11 to 32
// channels, and C3, 9x9 to 16). im2col + GEMM spends each column it packs on only 16-32 output
// channels there, so packing costs about as much as the multiplies; this kernel packs nothing.
// It keeps a block of output channels' accumulators in vector registers, one output row segment
// of one vector width at a time, and adds each input vector into all of them:
//   out[o][y][x0..x0+L) += w[o][c][ky][kx] * in[c][y + ky][x0 + kx .. x0 + kx + L)
// for c, ky, kx in that order, with one fused multiply-add per term. Written for AVX-512 (L = 16)
// and AVX2 with FMA (L = 8), chosen at run time (core/simd_level.hpp). Each output is summed in
// the same order at either width, so both give the same bits, and every run does; they differ
// from the GEMM's sums by rounding, hence `fastest` only.
#pragma once

#include <cstdint>

#include "core/simd_level.hpp"
#include "layers/window_geometry.hpp"

namespace visage::cpu {

// One image's stride-1 valid convolution: `channels` input planes of height x width (any padding
// already in them) to `outputs` planes of (height - kernel_h + 1) x (width - kernel_w + 1).
struct DirectShape {
  int64_t channels, height, width, outputs, kernel_h, kernel_w;
  int64_t out_h() const { return height - kernel_h + 1; }
  int64_t out_w() const { return width - kernel_w + 1; }
};

// Whether Convolution should take this kernel for a window under `fastest` (on a processor with
// AVX2 or AVX-512): stride 1, no dilation, one group, at most 32 output channels, a kernel of at
// least 7x7, outputs at least 16 wide.
bool direct_convolution_suits(const WindowGeometry& window, int64_t group, int64_t outputs);

// Floats of the weights packed for `level`: blocks of L output channels (the last padded with
// zeros), each as [channel][ky][kx][lane].
int64_t direct_packed_size(const DirectShape& shape, SimdLevel level);

// Packs `weights` (outputs x channels x kh x kw, Caffe's layout) for `shape` and `level`.
void pack_direct_weights(const DirectShape& shape, SimdLevel level, const float* weights,
                         float* packed);

// Packs the weights of the adjoint convolution, which computes the input's gradient: `shape`
// describes that convolution (channels = the layer's outputs, outputs = its input channels), and
// its weights are the layer's transposed and turned by 180 degrees,
//   adjoint[c][o][ky][kx] = weights[o][c][kh - 1 - ky][kw - 1 - kx],
// so that convolving dy, padded by kh - 1 rows and kw - 1 columns on each side, gives dx.
void pack_direct_weights_adjoint(const DirectShape& shape, SimdLevel level, const float* weights,
                                 float* packed);

// out (outputs x out_h x out_w) = the convolution of `in` with the packed weights, plus bias[o]
// (bias may be null), clamped at 0 under relu (std::max(v, 0.0f)'s values). level must not be
// baseline.
void direct_convolve(const DirectShape& shape, SimdLevel level, const float* packed,
                     const float* in, const float* bias, bool relu, float* out);

// out += the same convolution (no bias, no clamp), its output planes `out_stride` floats apart.
// With one input channel and dy's planes packed as the weights, this is a weight gradient:
//   dW[o][c][ky][kx] += sum over y, x of dy[o][y][x] * in[c][y + ky][x + kx]
// is the convolution of input plane c with "kernel" dy[o] (out_h x out_w), whose output is
// kh x kw, written into dW's planes for channel c (out_stride = channels * kh * kw).
void direct_convolve_add(const DirectShape& shape, SimdLevel level, const float* packed,
                         const float* in, float* out, int64_t out_stride);

}  // namespace visage::cpu
