#include "datasets/synthetic_face_png.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "datasets/image_io.hpp"

namespace visage {

void write_face_png(const FaceImage& image, const std::filesystem::path& path) {
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "cannot write ", path.string(),
               ": PNG needs 1 or 3 channels, the image has ", image.channels);
  data::Image bytes(image.height, image.width, image.channels);
  std::ranges::transform(image.pixels, bytes.pixels.begin(), face_pixel_byte);
  data::write_image(bytes, path);
}

}  // namespace visage
