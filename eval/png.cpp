#include "eval/png.hpp"

#include <png.h>

#include <cstring>

#include "core/error.hpp"

namespace visage::eval {

void write_png(const Canvas& canvas, const std::filesystem::path& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(canvas.width());
  image.height = static_cast<png_uint_32>(canvas.height());
  image.format = PNG_FORMAT_RGB;
  const int ok =
      png_image_write_to_file(&image, path.c_str(), 0, canvas.pixels().data(), 0, nullptr);
  const std::string message = image.message;
  png_image_free(&image);
  VISAGE_CHECK(ok, "cannot write PNG ", path.string(), ": ", message);
}

}  // namespace visage::eval
