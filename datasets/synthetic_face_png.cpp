#include "datasets/synthetic_face_png.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace visage {

void write_face_png(const FaceImage& image, const std::filesystem::path& path) {
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "cannot write ", path.string(),
               ": PNG needs 1 or 3 channels, the image has ", image.channels);
  std::vector<uint8_t> bytes(image.pixels.size());
  std::transform(image.pixels.begin(), image.pixels.end(), bytes.begin(), [](float v) {
    return static_cast<uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
  });
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const int ok = png_image_write_to_file(&png, path.c_str(), 0, bytes.data(), 0, nullptr);
  const std::string message = png.message;
  png_image_free(&png);
  VISAGE_CHECK(ok, "cannot write PNG ", path.string(), ": ", message);
}

}  // namespace visage
