#include "datasets/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace visage::data {
namespace {

template <typename T>
T luma(T r, T g, T b) {
  const float y = 0.299f * static_cast<float>(r) + 0.587f * static_cast<float>(g) +
                  0.114f * static_cast<float>(b);
  if constexpr (std::is_same_v<T, uint8_t>) {
    return static_cast<uint8_t>(std::clamp(std::lround(y), 0L, 255L));
  } else {
    return y;
  }
}

template <typename T>
BasicImage<T> convert_channels(const BasicImage<T>& image, int channels) {
  VISAGE_CHECK(channels == 1 || channels == 3, "images have 1 or 3 channels, not ", channels);
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "cannot convert a ", shape_string(image),
               " image (1 or 3 channels expected)");
  if (image.channels == channels) return image;
  BasicImage<T> out(image.height, image.width, channels);
  const size_t pixels = static_cast<size_t>(image.height) * image.width;
  const T* in = image.pixels.data();
  T* o = out.pixels.data();
  if (channels == 1) {
    for (size_t i = 0; i < pixels; ++i) o[i] = luma(in[3 * i], in[3 * i + 1], in[3 * i + 2]);
  } else {
    for (size_t i = 0; i < pixels; ++i) o[3 * i] = o[3 * i + 1] = o[3 * i + 2] = in[i];
  }
  return out;
}

}  // namespace

FloatImage to_float(const Image& image) {
  FloatImage out(image.height, image.width, image.channels);
  std::copy(image.pixels.begin(), image.pixels.end(), out.pixels.begin());
  return out;
}

Image to_uint8(const FloatImage& image) {
  Image out(image.height, image.width, image.channels);
  std::transform(image.pixels.begin(), image.pixels.end(), out.pixels.begin(), [](float v) {
    return static_cast<uint8_t>(std::clamp(std::round(v), 0.0f, 255.0f));
  });
  return out;
}

Image to_channels(const Image& image, int channels) { return convert_channels(image, channels); }
FloatImage to_channels(const FloatImage& image, int channels) {
  return convert_channels(image, channels);
}

std::string image_size_problem(int64_t width, int64_t height, int64_t max_pixels) {
  if (width <= 0 || height <= 0) return concat("empty image (", width, "x", height, ")");
  if (height <= max_pixels / width) return {};
  char text[160];
  std::snprintf(text, sizeof text,
                "%lldx%lld pixels (%.1f megapixels) is over the limit of %.1f megapixels",
                static_cast<long long>(width), static_cast<long long>(height),
                static_cast<double>(width) * static_cast<double>(height) / 1e6,
                static_cast<double>(max_pixels) / 1e6);
  return text;
}

}  // namespace visage::data
