// JPEG through libjpeg-turbo's TurboJPEG API. Errors carry TurboJPEG's own reason (without the
// file name, which the caller adds).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "datasets/image.hpp"

namespace visage::data::jpeg {

// Decodes to `channels` (1 or 3) directly, letting libjpeg do the colour conversion. Warnings
// (a truncated file: "Premature end of JPEG file") are errors: the image would be half grey.
// Headers claiming more than `max_pixels` are refused before decoding.
Image decode(std::span<const uint8_t> bytes, int channels, int64_t max_pixels);
// The channel count a decode with channels = 0 should produce: 1 for grey files, else 3.
int stored_channels(std::span<const uint8_t> bytes);
std::vector<uint8_t> encode(const Image& image, int quality);

}  // namespace visage::data::jpeg
