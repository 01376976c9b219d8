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

}  // namespace cpu
}  // namespace visage
