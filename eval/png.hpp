// PNG output through libpng's simplified API (visage_lib must link PNG::PNG).
#pragma once

#include <filesystem>

#include "eval/canvas.hpp"

namespace visage::eval {

// Writes an 8-bit RGB PNG; throws naming the file when libpng fails.
void write_png(const Canvas& canvas, const std::filesystem::path& path);

}  // namespace visage::eval
