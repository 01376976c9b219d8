// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016) for Convolution's CPU passes: a 3x3 stride-1 convolution computes each
// 2x2 block of outputs from a 4x4 tile of its input as
//   Y = A^T [ (G g G^T) . (B^T d B) ] A,
// 16 multiplies per channel pair instead of 36. With the tiles of a block of images side by side,
// the 16 element-wise products become 16 GEMMs (O x C) x (C x tiles), 2.25x fewer multiplies
// than im2col's one GEMM (O x 9C) x (9C x pixels). The transforms' entries are 0, +-1 and 1/2,
// so the result differs from a direct sum only by rounding (the tests bound it).
//
// Layouts: filters in the Winograd domain are U[16][O][C]; a block's transformed inputs are
// V[16][C][columns] and its products M[16][O][columns], one column per tile, each of the 16
// matrices winograd_pitch floats after the previous. A block is `count` images' tile rows
// [first_row, last_row): column (i * rows + row - first_row) * tiles_w + tile.
#pragma once

#include <cstdint>

#include "layers/window_geometry.hpp"

namespace visage::cpu {

// Floats from one of the 16 matrices of rows x columns to the next: 16 more than they hold, so
// that with power-of-two sizes the 16 do not start a multiple of 4 KB apart, where they would
// compete for the same cache sets (NN1's conv5 backward, batch 16: 25.0 -> 20.8 ms).
constexpr int64_t winograd_pitch(int64_t rows, int64_t columns) { return rows * columns + 16; }

// Whether Convolution runs a window this way: a 3x3 kernel, stride 1, no dilation, one group,
// and outputs at least 11 wide.
bool winograd_applies(const WindowGeometry& g, int64_t group);

// Tiles of 2x2 outputs over one image: ceil(out / 2) along each axis.
struct WinogradTiles {
  int64_t rows;
  int64_t cols;
};
WinogradTiles winograd_tiles(const WindowGeometry& g);

// u = G g G^T for each of the O x C filters of `weights` (O x C x 3 x 3).
void winograd_filters(const float* weights, int64_t outputs, int64_t channels, float* u);
// The adjoint: weights_diff (O x C x 3 x 3) += G^T du G.
void winograd_filters_adjoint(const float* du, int64_t outputs, int64_t channels,
                              float* weights_diff);

// v = B^T d B for the input tiles of tile rows [first_row, last_row) of `count` images (channels x
// height x width each, from `images`); taps outside the image read 0.
void winograd_inputs(const WindowGeometry& g, const float* images, int64_t count, int64_t first_row,
                     int64_t last_row, float* v);
// The adjoint: each tile's B dv B^T added to the images' pixels it was read from (taps outside
// the image dropped). Tiles are added row after row, so a band after band gives the same sums.
void winograd_inputs_adjoint(const WindowGeometry& g, const float* dv, int64_t count,
                             int64_t first_row, int64_t last_row, float* images_diff);

// The outputs (outputs x out_h x out_w per image) of those tiles: A^T m A plus the bias (may be
// null); outputs past the image's last row or column are dropped.
void winograd_outputs(const WindowGeometry& g, const float* m, int64_t outputs, int64_t count,
                      int64_t first_row, int64_t last_row, const float* bias, float* out);
// The adjoint (without the bias): dm = A dy A^T, dy read as 0 past the last row or column.
void winograd_outputs_adjoint(const WindowGeometry& g, const float* out_diff, int64_t outputs,
                              int64_t count, int64_t first_row, int64_t last_row, float* dm);

}  // namespace visage::cpu
