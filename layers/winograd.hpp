// Winograd's minimal filtering F(m x m, r x r) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) for Convolution's CPU passes: F(2x2, 3x3), F(4x4, 3x3)
// and F(2x2, 5x5). A stride-1 r x r convolution computes each m x m block of outputs from an
// n x n tile of its input (n = m + r - 1) as
//   Y = A^T [ (G g G^T) . (B^T d B) ] A,
// n^2 multiplies per channel pair instead of r^2 m^2: 16 instead of 36 for F(2x2, 3x3), 36
// instead of 144 for F(4x4, 3x3) and 100 for F(2x2, 5x5). With the tiles of a block of images
// side by side, the n^2 element-wise products become n^2 GEMMs (O x C) x (C x tiles): 2.25x,
// 4x and 2.8x fewer multiplies than im2col's one GEMM (O x r^2 C) x (r^2 C x pixels). The
// result differs from a direct sum only by rounding: F(2x2, 3x3)'s transforms hold 0, +-1 and
// 1/2; the 6x6 tiles' reach 8 and 1/24 and round more (the tests bound all three).
//
// Layouts: filters in the Winograd domain are U[n^2][O][C]; a block's transformed inputs are
// V[n^2][C][columns] and its products M[n^2][O][columns], one column per tile, each of the n^2
// matrices winograd_pitch floats after the previous. A block is `count` images' tile rows
// [first_row, last_row): column (i * rows + row - first_row) * tiles_w + tile.
#pragma once

#include <cstdint>

#include "layers/window_geometry.hpp"

namespace visage::cpu {

// Floats from one of the n^2 matrices of rows x columns to the next: 16 more than they hold, so
// that with power-of-two sizes they do not start a multiple of 4 KB apart, where they would
// compete for the same cache sets (NN1's conv5 backward, batch 16: 25.0 -> 20.8 ms).
constexpr int64_t winograd_pitch(int64_t rows, int64_t columns) { return rows * columns + 16; }

// The output tile Convolution uses for a window, m x m, or 0 where the window does not suit
// Winograd. It needs a 3x3 or 5x5 kernel, stride 1, no dilation and one group, and six tiles a
// row: 3x3 kernels take 4x4 tiles where the outputs are at least 21 wide and 2x2 tiles where at
// least 11; 5x5 kernels take 2x2 tiles where the outputs are at least 11 wide.
int winograd_tile(const WindowGeometry& g, int64_t group);

// How many matrices a block of tiles has in the Winograd domain: one per input tile position,
// (m + r - 1)^2 for an r x r kernel.
int64_t winograd_positions(const WindowGeometry& g, int m);

// Tiles of m x m outputs over one image: ceil(out / m) along each axis.
struct WinogradTiles {
  int64_t rows;
  int64_t cols;
};
WinogradTiles winograd_tiles(const WindowGeometry& g, int m);

// Each of the following runs the transforms of tile size m and g's kernel.
// u = G g G^T for each of the O x C filters of `weights` (O x C x r x r).
void winograd_filters(int m, const WindowGeometry& g, const float* weights, int64_t outputs,
                      float* u);
// The adjoint: weights_diff (O x C x r x r) += G^T du G.
void winograd_filters_adjoint(int m, const WindowGeometry& g, const float* du, int64_t outputs,
                              float* weights_diff);

// v = B^T d B for the input tiles of tile rows [first_row, last_row) of `count` images (channels x
// height x width each, from `images`); taps outside the image read 0.
void winograd_inputs(int m, const WindowGeometry& g, const float* images, int64_t count,
                     int64_t first_row, int64_t last_row, float* v);
// The adjoint: each tile's B dv B^T added to the images' pixels it was read from (taps outside
// the image dropped). Tiles are added row after row, so a band after band gives the same sums.
void winograd_inputs_adjoint(int m, const WindowGeometry& g, const float* dv, int64_t count,
                             int64_t first_row, int64_t last_row, float* images_diff);

// The outputs (outputs x out_h x out_w per image) of those tiles: A^T m A plus the bias (may be
// null), clamped at 0 under relu; outputs past the image's last row or column are dropped.
void winograd_outputs(int m, const WindowGeometry& g, const float* products, int64_t outputs,
                      int64_t count, int64_t first_row, int64_t last_row, const float* bias,
                      bool relu, float* out);
// The adjoint (without the bias): dm = A dy A^T, dy read as 0 past the last row or column.
void winograd_outputs_adjoint(int m, const WindowGeometry& g, const float* out_diff,
                              int64_t outputs, int64_t count, int64_t first_row, int64_t last_row,
                              float* dm);

}  // namespace visage::cpu
