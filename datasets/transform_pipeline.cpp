#include "datasets/transform_pipeline.hpp"

#include "core/error.hpp"
#include "datasets/transforms.hpp"

namespace visage::data {

TransformPipeline::TransformPipeline(const proto::FaceTransformParameter& param, bool train)
    : param_(param), train_(train) {
  const auto& p = param_;
  VISAGE_CHECK(p.channels() == 1 || p.channels() == 3,
               "face_transform_param.channels must be 1 or 3, not ", p.channels());
  VISAGE_CHECK(p.jpeg_quality() <= 100,
               "face_transform_param.jpeg_quality must be in 1..100 (0: off), not ",
               p.jpeg_quality());
  VISAGE_CHECK((p.resize_height() == 0) == (p.resize_width() == 0),
               "face_transform_param: set both resize_height and resize_width, or neither");
  VISAGE_CHECK((p.crop_height() == 0) == (p.crop_width() == 0),
               "face_transform_param: set both crop_height and crop_width, or neither");
  VISAGE_CHECK((p.precrop_height() == 0) == (p.precrop_width() == 0),
               "face_transform_param: set both precrop_height and precrop_width, or neither");
  VISAGE_CHECK(p.max_rotation_degrees() >= 0 && p.max_rotation_degrees() <= 180,
               "face_transform_param.max_rotation_degrees must be in [0, 180]");
  VISAGE_CHECK(p.max_scale_change() >= 0 && p.max_scale_change() < 1,
               "face_transform_param.max_scale_change must be in [0, 1)");
  VISAGE_CHECK(p.brightness() >= 0 && p.contrast() >= 0 && p.saturation() >= 0 &&
                   p.brightness() <= 1 && p.contrast() <= 1 && p.saturation() <= 1,
               "face_transform_param: brightness, contrast and saturation must be in [0, 1]");
  VISAGE_CHECK(p.mean_value_size() <= 1 || p.mean_value_size() == channels(),
               "face_transform_param: give one mean_value, or one per channel (", p.channels(),
               "), not ", p.mean_value_size());
  VISAGE_CHECK(
      !p.standardize() || (p.mean_value_size() == 0 && p.scale() == 1.0f),
      "face_transform_param: standardize replaces mean_value and scale; set one or the other");
}

std::pair<int, int> TransformPipeline::output_size(int height, int width) const {
  if (param_.crop_height() > 0) {
    return {static_cast<int>(param_.crop_height()), static_cast<int>(param_.crop_width())};
  }
  if (param_.resize_height() > 0) {
    return {static_cast<int>(param_.resize_height()), static_cast<int>(param_.resize_width())};
  }
  if (param_.precrop_height() > 0) {
    return {static_cast<int>(param_.precrop_height()), static_cast<int>(param_.precrop_width())};
  }
  return {height, width};
}

std::size_t PreparedImage::bytes() const {
  return std::visit([](const auto& x) { return x.pixels.size() * sizeof(x.pixels[0]); }, pixels_);
}

bool TransformPipeline::rotates() const {
  return train_ && (param_.max_rotation_degrees() > 0 || param_.max_scale_change() > 0);
}

bool TransformPipeline::float_head() const {
  const auto& p = param_;
  return p.jpeg_quality() > 0 || p.degrade_to_pixels() > 0 || p.resize_height() > 0 || rotates();
}

template <typename T>
BasicImage<T> TransformPipeline::crop(const BasicImage<T>& image, Rng& rng) const {
  const auto h = static_cast<int>(param_.crop_height());
  const auto w = static_cast<int>(param_.crop_width());
  return train_ ? random_crop(image, h, w, rng) : center_crop(image, h, w);
}

PreparedImage TransformPipeline::prepare(Image image) const {
  const auto& p = param_;
  if (p.precrop_height() > 0) {
    image = center_crop(image, static_cast<int>(p.precrop_height()),
                        static_cast<int>(p.precrop_width()));
  }
  if (image.channels != channels()) image = to_channels(image, channels());
  if (!float_head()) return PreparedImage(std::move(image));
  FloatImage x = to_float(image);
  if (p.jpeg_quality() > 0) x = jpeg_degrade(x, static_cast<int>(p.jpeg_quality()));
  if (p.degrade_to_pixels() > 0) x = downscale_degrade(x, p.degrade_to_pixels());
  if (p.resize_height() > 0) {
    x = resize(x, static_cast<int>(p.resize_height()), static_cast<int>(p.resize_width()),
               p.resize_method() == proto::FaceTransformParameter::AREA ? ResizeMethod::area
                                                                        : ResizeMethod::bilinear);
  }
  return PreparedImage(std::move(x));
}

std::optional<int64_t> TransformPipeline::prepared_bytes() const {
  const auto& p = param_;
  const bool floats = float_head();
  int64_t pixels = 0;
  if (floats && p.resize_height() > 0) {
    pixels = int64_t{p.resize_height()} * p.resize_width();
  } else if (p.precrop_height() > 0) {
    pixels = int64_t{p.precrop_height()} * p.precrop_width();
  } else {
    return std::nullopt;
  }
  return pixels * channels() * (floats ? int64_t{sizeof(float)} : int64_t{1});
}

FloatImage TransformPipeline::apply(const PreparedImage& image, Rng& rng) const {
  // The random draws keep the chain's order: rotation, crop, then finish()'s.
  const bool cropped = param_.crop_height() > 0;
  if (const auto* pixels = std::get_if<Image>(&image.pixels_)) {
    return finish(cropped ? to_float(crop(*pixels, rng)) : to_float(*pixels), rng);
  }
  const auto& x = std::get<FloatImage>(image.pixels_);
  if (!rotates()) return finish(cropped ? crop(x, rng) : x, rng);
  FloatImage turned =
      random_rotate_scale(x, param_.max_rotation_degrees(), param_.max_scale_change(), rng);
  return finish(cropped ? crop(turned, rng) : std::move(turned), rng);
}

FloatImage TransformPipeline::finish(FloatImage x, Rng& rng) const {
  const auto& p = param_;
  if (train_ && p.mirror() && rng.bernoulli(0.5)) mirror_in_place(x);
  if (train_) color_jitter(x, {p.brightness(), p.contrast(), p.saturation()}, rng);
  if (p.standardize()) {
    standardize(x);
  } else {
    normalize(
        x, std::span<const float>(p.mean_value().data(), static_cast<size_t>(p.mean_value_size())),
        p.scale());
  }
  return x;
}

void TransformPipeline::apply_chw(const PreparedImage& image, Rng& rng,
                                  std::span<float> out) const {
  const FloatImage x = apply(image, rng);
  const size_t plane = static_cast<size_t>(x.height) * x.width;
  VISAGE_CHECK(out.size() == plane * x.channels, "transformed image is ", shape_string(x),
               " but the batch expects ", out.size(),
               " values per image (images of different "
               "sizes need a resize or crop in face_transform_param)");
  for (size_t i = 0; i < plane; ++i) {
    for (int c = 0; c < x.channels; ++c) out[c * plane + i] = x.pixels[i * x.channels + c];
  }
}

proto::FaceTransformParameter from_caffe_transform(const proto::TransformationParameter& caffe,
                                                   int channels) {
  VISAGE_CHECK(!caffe.has_mean_file(),
               "transform_param.mean_file is not supported; give mean_value");
  VISAGE_CHECK(!(caffe.force_color() && caffe.force_gray()),
               "transform_param: force_color and force_gray exclude each other");
  proto::FaceTransformParameter p;
  p.set_channels(caffe.force_gray() ? 1 : caffe.force_color() ? 3 : channels);
  p.set_crop_height(caffe.crop_size());
  p.set_crop_width(caffe.crop_size());
  p.set_mirror(caffe.mirror());
  p.set_scale(caffe.scale());
  for (float m : caffe.mean_value()) p.add_mean_value(m);
  return p;
}

}  // namespace visage::data
