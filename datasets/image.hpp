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
// Decoders allocate the image from the header before reading the data, and a header of a few
// bytes may claim 65535 x 65535 (JPEG) or more (PNG, PNM); larger images are refused, naming
// their size.
inline constexpr uint64_t kMaxDecodedImageBytes = uint64_t{1} << 28;

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
