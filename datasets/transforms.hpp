// Image transforms for training and evaluation, on float images in the 0-255 scale (HWC). Each is
// a pure function of its inputs; the random ones draw from the Rng they are given and nothing
// else, so a sample's augmentation is fixed by the seed of its Rng.
#pragma once

#include <cstdint>
#include <span>

#include "core/rng.hpp"
#include "datasets/image.hpp"

namespace visage::data {

// ---- Geometry ----
// Crops work on 8-bit images too, so a pipeline can crop before converting to float.
template <typename T>
BasicImage<T> crop(const BasicImage<T>& image, int top, int left, int height, int width);
// Offsets rounded down, as Caffe's DataTransformer does.
template <typename T>
BasicImage<T> center_crop(const BasicImage<T>& image, int height, int width);
template <typename T>
BasicImage<T> random_crop(const BasicImage<T>& image, int height, int width, Rng& rng);

enum class ResizeMethod {
  // Pixel centres aligned ((x + 0.5) * in / out - 0.5), edges replicated: OpenCV's INTER_LINEAR.
  bilinear,
  // Each output pixel averages the input area it covers, weighted by overlap: OpenCV's INTER_AREA
  // when shrinking; when enlarging it blends the (at most two) pixels under each output pixel.
  area,
};
FloatImage resize(const FloatImage& image, int height, int width, ResizeMethod method);

FloatImage mirror(const FloatImage& image);
void mirror_in_place(FloatImage& image);

// Rotates by `degrees` (positive turns the content clockwise as displayed, y pointing down) and
// zooms by `scale` (> 1 enlarges) about the image centre, sampling bilinearly; pixels that come
// from outside the image repeat the nearest edge pixel. The size is kept.
FloatImage rotate_scale(const FloatImage& image, float degrees, float scale);
// Angle uniform in [-max_degrees, max_degrees], scale uniform in [1 - max_scale_change,
// 1 + max_scale_change].
FloatImage random_rotate_scale(const FloatImage& image, float max_degrees, float max_scale_change,
                               Rng& rng);

// ---- Colour (results clamped to [0, 255], as torchvision's ColorJitter) ----
// pixel * factor.
void adjust_brightness(FloatImage& image, float factor);
// Blends with the mean BT.601 luma of the image: mean + factor * (pixel - mean).
void adjust_contrast(FloatImage& image, float factor);
// Blends each pixel with its own luma: luma + factor * (pixel - luma). No-op on grey images.
void adjust_saturation(FloatImage& image, float factor);
struct ColorJitter {
  float brightness = 0;  // factors uniform in [1 - x, 1 + x]; 0 disables
  float contrast = 0;
  float saturation = 0;
};
// Brightness, then contrast, then saturation; a factor is drawn only for enabled adjustments.
void color_jitter(FloatImage& image, const ColorJitter& jitter, Rng& rng);

// ---- Normalisation ----
// (pixel - mean[c]) * scale. `mean` is empty (no mean), one value for all channels, or one per
// channel.
void normalize(FloatImage& image, std::span<const float> mean, float scale);
// Zero mean, unit variance over all values of the image, with the standard deviation floored at
// 1 / sqrt(values) so that a flat image does not divide by zero (TensorFlow's
// per_image_standardization, used by FaceNet reimplementations).
void standardize(FloatImage& image);

// ---- FaceNet Table 4 degradations ----
// Round-trips the image through JPEG at `quality` (1-100).
FloatImage jpeg_degrade(const FloatImage& image, int quality);
// Shrinks (area) to about `pixels` pixels with the aspect ratio kept (40x40 for 1600 on a square
// image), then enlarges (bilinear) back. Images already that small are returned unchanged.
FloatImage downscale_degrade(const FloatImage& image, int64_t pixels);

}  // namespace visage::data
