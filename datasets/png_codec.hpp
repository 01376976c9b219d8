// PNG through libpng. libpng reports errors by longjmp; the decoder confines setjmp to one
// function whose frame holds no C++ objects, and turns the jump into a visage::Error carrying
// libpng's message, so a corrupt file (bad CRC, truncated data) is an exception, not a crash.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "datasets/image.hpp"

namespace visage::data::png {

// Any bit depth, palette or grey or RGB, with or without alpha (alpha is dropped), to 8-bit
// grey (1 channel) or RGB (3 channels) as stored; the caller converts channels.
// Headers claiming more than `max_pixels` are refused before decoding.
Image decode(std::span<const uint8_t> bytes, int64_t max_pixels);
std::vector<uint8_t> encode(const Image& image);

}  // namespace visage::data::png
