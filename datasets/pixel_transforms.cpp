// Colour jitter, normalisation and FaceNet's degradations (declared in transforms.hpp).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "datasets/image_io.hpp"
#include "datasets/jpeg_codec.hpp"
#include "datasets/transforms.hpp"

namespace visage::data {
namespace {

float luma_at(const float* rgb) { return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]; }

void clamp_pixels(FloatImage& image) {
  for (float& v : image.pixels) v = std::clamp(v, 0.0f, 255.0f);
}

}  // namespace

void adjust_brightness(FloatImage& image, float factor) {
  for (float& v : image.pixels) v *= factor;
  clamp_pixels(image);
}

void adjust_contrast(FloatImage& image, float factor) {
  if (image.empty()) return;
  double sum = 0;
  const size_t count = image.pixels.size() / static_cast<size_t>(image.channels);
  for (size_t i = 0; i < count; ++i) {
    const float* p = &image.pixels[i * static_cast<size_t>(image.channels)];
    sum += image.channels == 3 ? luma_at(p) : p[0];
  }
  const auto mean = static_cast<float>(sum / static_cast<double>(count));
  for (float& v : image.pixels) v = mean + factor * (v - mean);
  clamp_pixels(image);
}

void adjust_saturation(FloatImage& image, float factor) {
  if (image.channels != 3) return;
  for (size_t i = 0; i < image.pixels.size(); i += 3) {
    float* p = &image.pixels[i];
    const float grey = luma_at(p);
    for (int k = 0; k < 3; ++k) p[k] = grey + factor * (p[k] - grey);
  }
  clamp_pixels(image);
}

void color_jitter(FloatImage& image, const ColorJitter& jitter, Rng& rng) {
  const auto factor = [&rng](float range) { return rng.uniform(1.0f - range, 1.0f + range); };
  if (jitter.brightness > 0) adjust_brightness(image, factor(jitter.brightness));
  if (jitter.contrast > 0) adjust_contrast(image, factor(jitter.contrast));
  if (jitter.saturation > 0) adjust_saturation(image, factor(jitter.saturation));
}

void normalize(FloatImage& image, std::span<const float> mean, float scale) {
  const auto c = static_cast<size_t>(image.channels);
  VISAGE_CHECK(mean.size() <= 1 || mean.size() == c, mean.size(), " mean values for a ",
               shape_string(image), " image (give none, one, or one per channel)");
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    const float m = mean.empty() ? 0.0f : mean.size() == 1 ? mean[0] : mean[i % c];
    image.pixels[i] = (image.pixels[i] - m) * scale;
  }
}

void standardize(FloatImage& image) {
  if (image.empty()) return;
  const auto n = static_cast<double>(image.pixels.size());
  const double mean = std::accumulate(image.pixels.begin(), image.pixels.end(), 0.0) / n;
  double squares = 0;
  for (float v : image.pixels) squares += (v - mean) * (v - mean);
  const double stddev = std::max(std::sqrt(squares / n), 1.0 / std::sqrt(n));
  for (float& v : image.pixels) v = static_cast<float>((v - mean) / stddev);
}

FloatImage jpeg_degrade(const FloatImage& image, int quality) {
  const std::vector<uint8_t> bytes = encode_jpeg(to_uint8(image), quality);
  return to_float(jpeg::decode(bytes, image.channels, kDefaultMaxImagePixels));
}

FloatImage downscale_degrade(const FloatImage& image, int64_t pixels) {
  VISAGE_CHECK(pixels > 0, "degradation to ", pixels, " pixels");
  const double area = static_cast<double>(image.height) * image.width;
  if (static_cast<double>(pixels) >= area) return image;
  const double shrink = std::sqrt(static_cast<double>(pixels) / area);
  const int height = std::max(1, static_cast<int>(std::lround(image.height * shrink)));
  const int width = std::max(1, static_cast<int>(std::lround(image.width * shrink)));
  const FloatImage small = resize(image, height, width, ResizeMethod::area);
  return resize(small, image.height, image.width, ResizeMethod::bilinear);
}

}  // namespace visage::data
