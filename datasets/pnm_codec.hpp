// Netpbm grey and colour maps: PGM (P2 text, P5 binary) and PPM (P3 text, P6 binary), any maxval
// up to 65535 (scaled to 0-255), '#' comments in the header.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "datasets/image.hpp"

namespace visage::data::pnm {

// Headers claiming more than `max_pixels` are refused before decoding.
Image decode(std::span<const uint8_t> bytes, int64_t max_pixels);
// Binary P5 (1 channel) or P6 (3 channels), maxval 255.
std::vector<uint8_t> encode(const Image& image);

}  // namespace visage::data::pnm
