#include "tests/support/svg_reading.hpp"

#include <array>
#include <fstream>
#include <sstream>

#include "tests/support/run_visage.hpp"

namespace visage::testing {

std::string xml_problems(const std::filesystem::path& file) {
  const CommandResult result = run_command("xmllint --noout '" + file.string() + "'");
  if (result.exit_code == 0) return "";
  return "xmllint (exit code " + std::to_string(result.exit_code) + "): " + result.output;
}

std::vector<SvgPoint> polyline_points(const std::string& svg, const std::string& title) {
  const size_t title_at = svg.find("<title>" + title + "</title>");
  if (title_at == std::string::npos) return {};
  const size_t line_at = svg.rfind("<polyline", title_at);
  const std::string key = "points=\"";
  const size_t begin = svg.find(key, line_at) + key.size();
  const size_t end = svg.find('"', begin);
  std::istringstream in(svg.substr(begin, end - begin));
  std::vector<SvgPoint> points;
  SvgPoint p;
  char comma = 0;
  while (in >> p.x >> comma >> p.y) points.push_back(p);
  return points;
}

PngSize png_size(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<unsigned char, 24> header{};
  in.read(reinterpret_cast<char*>(header.data()), header.size());
  constexpr std::array<unsigned char, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (!in || !std::equal(kSignature.begin(), kSignature.end(), header.begin())) return {};
  const auto big_endian = [&](size_t at) {
    return uint32_t{header[at]} << 24 | uint32_t{header[at + 1]} << 16 |
           uint32_t{header[at + 2]} << 8 | uint32_t{header[at + 3]};
  };
  return {big_endian(16), big_endian(20)};  // IHDR's width and height
}

}  // namespace visage::testing
