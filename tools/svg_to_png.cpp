#include "tools/svg_to_png.hpp"

#include "core/error.hpp"
#include "tools/external_program.hpp"

namespace visage::tools {

std::filesystem::path find_svg_converter(const std::filesystem::path& png) {
  const auto converter = find_on_path("rsvg-convert");
  VISAGE_CHECK(converter.has_value(), "writing ", png.string(),
               " needs librsvg's `rsvg-convert`, which is not installed (not on PATH): install it "
               "(Debian/Ubuntu: sudo apt-get install librsvg2-bin); the SVG (",
               std::filesystem::path(png).replace_extension(".svg").string(), ") needs none");
  return *converter;
}

void convert_svg_to_png(const std::filesystem::path& converter, const std::filesystem::path& svg,
                        const std::filesystem::path& png) {
  run_program({converter.string(), "--format", "png", "--output", png.string(), svg.string()},
              "converting " + svg.string() + " to " + png.string());
}

}  // namespace visage::tools
