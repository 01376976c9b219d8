// PNG from SVG through librsvg's `rsvg-convert` (Debian/Ubuntu package: librsvg2-bin): the
// plots are drawn once, as SVG with real text, and a packaged renderer makes the bitmap.
#pragma once

#include <filesystem>

namespace visage::tools {

// `rsvg-convert` on PATH, or an error that names `png`, says how to install the converter and
// that the SVG needs none.
std::filesystem::path find_svg_converter(const std::filesystem::path& png);

void convert_svg_to_png(const std::filesystem::path& converter, const std::filesystem::path& svg,
                        const std::filesystem::path& png);

}  // namespace visage::tools
