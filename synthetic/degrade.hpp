// Camera-like degradations of a rendered image (HWC, 3 channels, values in [0, 1]): exposure, lens
// blur, sensor noise and the 8x8 block artefacts of JPEG compression. Each is deterministic given
// its arguments, so the generator stays a pure function of (seed, identity, index).
#pragma once

#include <vector>

#include "synthetic/random.hpp"

namespace visage::synthetic {

void apply_exposure(std::vector<float>& rgb, float gain);
// Separable Gaussian with edge clamping; sigma in pixels (no-op below 0.05).
void gaussian_blur(std::vector<float>& rgb, int size, float sigma);
void add_noise(std::vector<float>& rgb, HashStream& random, float sigma);
// Converts to YCbCr, averages chroma over 2x2 pixels (4:2:0), quantises each 8x8 block's DCT
// with the standard JPEG tables at `quality` (1..100) and converts back: what a JPEG round trip
// does to the pixels, without the entropy coding that does not change them.
void jpeg_artefacts(std::vector<float>& rgb, int size, int quality);
void clamp_unit(std::vector<float>& values);

}  // namespace visage::synthetic
