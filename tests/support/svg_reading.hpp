// Reading the SVG figures back in tests: xmllint (Debian: libxml2-utils) says whether a file is
// well-formed XML, and a polyline's points are found by its <title>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace visage::testing {

// xmllint's complaints about `file`; empty when it is well-formed.
std::string xml_problems(const std::filesystem::path& file);

struct SvgPoint {
  double x = 0.0;
  double y = 0.0;
};

// The points of the polyline whose <title> is `title` (as written, escaped); empty when none.
std::vector<SvgPoint> polyline_points(const std::string& svg, const std::string& title);

// Width and height from a PNG file's header; {0, 0} when it is not a PNG.
struct PngSize {
  uint32_t width = 0;
  uint32_t height = 0;
};
PngSize png_size(const std::filesystem::path& file);

}  // namespace visage::testing
