// Reading and writing image files: JPEG (libjpeg-turbo), PNG (libpng) and PGM/PPM (P2, P3, P5,
// P6), grey or RGB. The format is recognised from the bytes, not the name. Every failure (missing,
// empty, truncated or undecodable file) is a visage::Error that starts with the file's name and
// says why; no decoder input can crash the process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "datasets/image.hpp"

namespace visage::data {

enum class ImageFormat { unknown, jpeg, png, pnm };

ImageFormat sniff_format(std::span<const uint8_t> bytes);

// `channels` 1 or 3 converts to grey or RGB; 0 keeps what the file holds. `name` prefixes errors.
// An image whose header claims more than `max_pixels` is refused before it is decoded.
Image decode_image(std::span<const uint8_t> bytes, const std::string& name, int channels = 0,
                   int64_t max_pixels = kDefaultMaxImagePixels);
Image read_image(const std::filesystem::path& path, int channels = 0,
                 int64_t max_pixels = kDefaultMaxImagePixels);

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

// JPEG at quality 1-100 (4:2:0 chroma subsampling for colour, as most cameras and FaceNet's
// Table 4 degradation assume), PNG (lossless), binary PGM (grey) or PPM (RGB).
std::vector<uint8_t> encode_jpeg(const Image& image, int quality);
std::vector<uint8_t> encode_png(const Image& image);
std::vector<uint8_t> encode_pnm(const Image& image);

// Chooses the encoder from the extension (.jpg/.jpeg at quality 95, .png, .pgm/.ppm/.pnm).
void write_image(const Image& image, const std::filesystem::path& path);

}  // namespace visage::data
