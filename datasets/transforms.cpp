// The geometric transforms; colour, normalisation and degradations are in pixel_transforms.cpp.
#include "datasets/transforms.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"

namespace visage::data {
namespace {

// The input pixels one output pixel reads along one axis, with their weights.
struct Tap {
  int index;
  float weight;
};
using AxisTaps = std::vector<std::vector<Tap>>;

AxisTaps bilinear_taps(int in, int out) {
  AxisTaps taps(static_cast<size_t>(out));
  const double ratio = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double source = std::clamp((o + 0.5) * ratio - 0.5, 0.0, static_cast<double>(in - 1));
    const int i0 = static_cast<int>(source);
    const int i1 = std::min(i0 + 1, in - 1);
    const auto f = static_cast<float>(source - i0);
    taps[static_cast<size_t>(o)] = {{i0, 1.0f - f}, {i1, f}};
  }
  return taps;
}

AxisTaps area_taps(int in, int out) {
  AxisTaps taps(static_cast<size_t>(out));
  const double ratio = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double begin = o * ratio;
    const double end = (o + 1) * ratio;
    const int last = std::min(static_cast<int>(std::ceil(end)), in);
    for (int i = static_cast<int>(begin); i < last; ++i) {
      const double overlap = std::min<double>(end, i + 1) - std::max<double>(begin, i);
      if (overlap > 1e-9) {
        taps[static_cast<size_t>(o)].push_back({i, static_cast<float>(overlap / ratio)});
      }
    }
  }
  return taps;
}

// Applies taps along x (rows) then y (columns).
FloatImage resample(const FloatImage& image, const AxisTaps& y_taps, const AxisTaps& x_taps) {
  const int c = image.channels;
  const int out_w = static_cast<int>(x_taps.size());
  const int out_h = static_cast<int>(y_taps.size());
  FloatImage rows(image.height, out_w, c);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < out_w; ++x) {
      float* o = &rows.at(y, x, 0);
      for (const Tap& t : x_taps[static_cast<size_t>(x)]) {
        const float* in = &image.at(y, t.index, 0);
        for (int k = 0; k < c; ++k) o[k] += t.weight * in[k];
      }
    }
  }
  FloatImage out(out_h, out_w, c);
  const size_t row_values = static_cast<size_t>(out_w) * c;
  for (int y = 0; y < out_h; ++y) {
    float* o = &out.at(y, 0, 0);
    for (const Tap& t : y_taps[static_cast<size_t>(y)]) {
      const float* in = &rows.at(t.index, 0, 0);
      for (size_t k = 0; k < row_values; ++k) o[k] += t.weight * in[k];
    }
  }
  return out;
}

// Bilinear sample at (x, y) with coordinates clamped to the image (edge replication).
void sample_bilinear(const FloatImage& image, float x, float y, float* out) {
  x = std::clamp(x, 0.0f, static_cast<float>(image.width - 1));
  y = std::clamp(y, 0.0f, static_cast<float>(image.height - 1));
  const int x0 = static_cast<int>(x);
  const int y0 = static_cast<int>(y);
  const int x1 = std::min(x0 + 1, image.width - 1);
  const int y1 = std::min(y0 + 1, image.height - 1);
  const float fx = x - static_cast<float>(x0);
  const float fy = y - static_cast<float>(y0);
  for (int k = 0; k < image.channels; ++k) {
    const float top = image.at(y0, x0, k) * (1 - fx) + image.at(y0, x1, k) * fx;
    const float bottom = image.at(y1, x0, k) * (1 - fx) + image.at(y1, x1, k) * fx;
    out[k] = top * (1 - fy) + bottom * fy;
  }
}

}  // namespace

template <typename T>
BasicImage<T> crop(const BasicImage<T>& image, int top, int left, int height, int width) {
  VISAGE_CHECK(height > 0 && width > 0 && top >= 0 && left >= 0 && top + height <= image.height &&
                   left + width <= image.width,
               "crop of ", height, "x", width, " at (", top, ", ", left, ") does not fit a ",
               shape_string(image), " image");
  BasicImage<T> out(height, width, image.channels);
  const size_t row = static_cast<size_t>(width) * image.channels;
  for (int y = 0; y < height; ++y) {
    const T* in = &image.at(top + y, left, 0);
    std::copy(in, in + row, &out.at(y, 0, 0));
  }
  return out;
}

template <typename T>
BasicImage<T> center_crop(const BasicImage<T>& image, int height, int width) {
  return crop(image, (image.height - height) / 2, (image.width - width) / 2, height, width);
}

template <typename T>
BasicImage<T> random_crop(const BasicImage<T>& image, int height, int width, Rng& rng) {
  VISAGE_CHECK(height <= image.height && width <= image.width, "crop of ", height, "x", width,
               " does not fit a ", shape_string(image), " image");
  const auto top = static_cast<int>(rng.below(static_cast<uint64_t>(image.height - height + 1)));
  const auto left = static_cast<int>(rng.below(static_cast<uint64_t>(image.width - width + 1)));
  return crop(image, top, left, height, width);
}

template Image crop(const Image&, int, int, int, int);
template FloatImage crop(const FloatImage&, int, int, int, int);
template Image center_crop(const Image&, int, int);
template FloatImage center_crop(const FloatImage&, int, int);
template Image random_crop(const Image&, int, int, Rng&);
template FloatImage random_crop(const FloatImage&, int, int, Rng&);

FloatImage resize(const FloatImage& image, int height, int width, ResizeMethod method) {
  VISAGE_CHECK(height > 0 && width > 0 && !image.empty(), "cannot resize a ", shape_string(image),
               " image to ", height, "x", width);
  if (height == image.height && width == image.width) return image;
  if (method == ResizeMethod::area) {
    return resample(image, area_taps(image.height, height), area_taps(image.width, width));
  }
  return resample(image, bilinear_taps(image.height, height), bilinear_taps(image.width, width));
}

void mirror_in_place(FloatImage& image) {
  const int c = image.channels;
  for (int y = 0; y < image.height; ++y) {
    for (int left = 0, right = image.width - 1; left < right; ++left, --right) {
      std::swap_ranges(&image.at(y, left, 0), &image.at(y, left, 0) + c, &image.at(y, right, 0));
    }
  }
}

FloatImage mirror(const FloatImage& image) {
  FloatImage out(image.height, image.width, image.channels);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const float* in = &image.at(y, image.width - 1 - x, 0);
      std::copy(in, in + image.channels, &out.at(y, x, 0));
    }
  }
  return out;
}

FloatImage rotate_scale(const FloatImage& image, float degrees, float scale) {
  VISAGE_CHECK(scale > 0, "rotation zoom must be positive, not ", scale);
  FloatImage out(image.height, image.width, image.channels);
  const double radians = degrees * std::numbers::pi / 180.0;
  const auto cos_s = static_cast<float>(std::cos(radians) / scale);
  const auto sin_s = static_cast<float>(std::sin(radians) / scale);
  const float cx = 0.5f * static_cast<float>(image.width - 1);
  const float cy = 0.5f * static_cast<float>(image.height - 1);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      // The inverse map: where output pixel (x, y) comes from.
      const float dx = static_cast<float>(x) - cx;
      const float dy = static_cast<float>(y) - cy;
      sample_bilinear(image, cx + cos_s * dx + sin_s * dy, cy - sin_s * dx + cos_s * dy,
                      &out.at(y, x, 0));
    }
  }
  return out;
}

FloatImage random_rotate_scale(const FloatImage& image, float max_degrees, float max_scale_change,
                               Rng& rng) {
  const float degrees = rng.uniform(-max_degrees, max_degrees);
  const float scale = rng.uniform(1.0f - max_scale_change, 1.0f + max_scale_change);
  return rotate_scale(image, degrees, scale);
}

}  // namespace visage::data
