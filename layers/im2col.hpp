// The im2col / col2im transforms that turn a convolution over a WindowGeometry into a GEMM.
// Convolution lays several images side by side in one column matrix.
#pragma once

#include <cstdint>

#include "layers/window_geometry.hpp"

namespace visage {

namespace cpu {

// col (patch_size x out_h*out_w, row-major) from one image (channels x height x width). Rows
// start ld floats apart (0: out_h*out_w, a matrix of its own), so that the columns of several
// images can sit side by side in one wider matrix.
void im2col(const WindowGeometry& g, const float* image, float* col, int64_t ld = 0);
// The adjoint: image = sum of the columns' entries over the pixels they were read from
// (the image is overwritten, padding entries are dropped). ld as for im2col.
void col2im(const WindowGeometry& g, const float* col, float* image, int64_t ld = 0);

// Output rows [first_row, last_row) only: col holds the patches of those (last_row - first_row) *
// out_w pixels, rows ld floats apart (0: exactly that many). Lets a convolution work through a
// large image a band of rows at a time, in cache.
void im2col_rows(const WindowGeometry& g, const float* image, int64_t first_row, int64_t last_row,
                 float* col, int64_t ld = 0);
// The adjoint of im2col_rows, added to the image (which it does not clear). Adding the bands
// from the last to the first gives every pixel its terms in col2im's order.
void col2im_add_rows(const WindowGeometry& g, const float* col, int64_t first_row, int64_t last_row,
                     float* image, int64_t ld = 0);

}  // namespace cpu
}  // namespace visage
