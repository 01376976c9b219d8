// An image as a value: height x width x channels, interleaved (HWC), 8-bit or float pixels.
// Decoders produce 8-bit images; transforms work on float images whose values keep the 0-255
// scale until normalisation, so a decode -> transform chain loses no precision on the way.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace visage::data {

// The most pixel bytes a decoder produces (256 MiB: 9000 x 9000 RGB, far above any face image).
template <typename T>
struct BasicImage {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<T> pixels;  // (y * width + x) * channels + c

  BasicImage() = default;
  BasicImage(int h, int w, int c, T fill = T{})
      : height(h), width(w), channels(c), pixels(static_cast<size_t>(h) * w * c, fill) {}

  bool empty() const { return pixels.empty(); }
  T& at(int y, int x, int c) { return pixels[(static_cast<size_t>(y) * width + x) * channels + c]; }
  const T& at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

using Image = BasicImage<uint8_t>;

// The most pixels a decoder accepts unless told otherwise: 50 megapixels (an 8660x5773 photo).
// A header that claims more is refused before any pixel memory is allocated, so a 7 KB "image
// bomb" claiming 65500x65500 pixels costs nothing; a dataset skips it like any damaged image.
inline constexpr int64_t kDefaultMaxImagePixels = 50'000'000;

// Empty when width x height is within `max_pixels`, else why not ("65500x65500 pixels (4290.2
// megapixels) is over the limit of 50.0 megapixels").
std::string image_size_problem(int64_t width, int64_t height, int64_t max_pixels);
using FloatImage = BasicImage<float>;

FloatImage to_float(const Image& image);
// Rounds to nearest and clamps to [0, 255].
Image to_uint8(const FloatImage& image);

// Grey <-> RGB. RGB to grey uses the ITU-R BT.601 luma weights (0.299, 0.587, 0.114), as libjpeg
// and PIL do, so a grey network sees the same values whichever decoder produced the colour image.
Image to_channels(const Image& image, int channels);
FloatImage to_channels(const FloatImage& image, int channels);

// "250x250x3", for messages.
template <typename T>
std::string shape_string(const BasicImage<T>& image) {
  return std::to_string(image.height) + "x" + std::to_string(image.width) + "x" +
         std::to_string(image.channels);
}

}  // namespace visage::data
