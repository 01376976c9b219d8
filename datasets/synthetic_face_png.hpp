// Saves a FaceImage as an 8-bit PNG (grey or RGB) through libpng's simplified API.
#pragma once

#include <filesystem>

#include "datasets/synthetic_face.hpp"

namespace visage {

// Values are clamped to [0, 1] and rounded to 8 bits. Throws visage::Error naming the file when
// libpng cannot write it.
void write_face_png(const FaceImage& image, const std::filesystem::path& path);

}  // namespace visage
