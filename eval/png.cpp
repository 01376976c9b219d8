#include "eval/png.hpp"

#include <algorithm>

#include "datasets/image_io.hpp"

namespace visage::eval {

void write_png(const Canvas& canvas, const std::filesystem::path& path) {
  data::Image image(canvas.height(), canvas.width(), 3);
  std::ranges::copy(canvas.pixels(), image.pixels.begin());
  data::write_image(image, path);
}

}  // namespace visage::eval
