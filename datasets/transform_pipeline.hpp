// The per-image transform chain of a data layer, configured by a FaceTransformParameter (or by
// Caffe's TransformationParameter, translated). Order: precrop, channel conversion, degradations,
// resize, rotation/scale, crop, mirror, colour jitter, normalisation. Random steps run only when
// `train`; otherwise crops are centred and nothing is jittered. Stateless apart from its settings,
// so decoder threads share one pipeline; each sample brings its own Rng.
//
// The chain runs in two parts. prepare() is its deterministic head (precrop, channel conversion,
// degradations, resize): the same for every draw, so a data layer may keep its result per image
// (face_data_param.cache_megabytes) and run only the rest, apply(), each time the image is drawn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <variant>

#include "core/rng.hpp"
#include "datasets/image.hpp"
#include "proto/visage.pb.h"

namespace visage::data {

class TransformPipeline;

// An image after the chain's deterministic head, as only TransformPipeline::prepare() makes one:
// still 8-bit while nothing before the crop needs floats (the crop is then cut from the 8-bit
// pixels, less to convert), floats otherwise (degradations, a resize or a rotation follow).
class PreparedImage {
 public:
  bool is_float() const { return std::holds_alternative<FloatImage>(pixels_); }
  // The bytes of its pixels.
  std::size_t bytes() const;

 private:
  friend class TransformPipeline;
  explicit PreparedImage(std::variant<Image, FloatImage> pixels) : pixels_(std::move(pixels)) {}

  std::variant<Image, FloatImage> pixels_;
};

class TransformPipeline {
 public:
  // Throws visage::Error naming the offending field when the settings are inconsistent.
  TransformPipeline(const proto::FaceTransformParameter& param, bool train);

  int channels() const { return static_cast<int>(param_.channels()); }
  // (height, width) of the output for an input of the given size.
  std::pair<int, int> output_size(int height, int width) const;

  // The deterministic head of the chain.
  PreparedImage prepare(Image image) const;
  // The bytes prepare() makes of any image, when that does not depend on the image's size (a
  // resize, or a precrop, fixes it).
  std::optional<int64_t> prepared_bytes() const;
  // The rest of the chain: rotation/scale, crop, mirror, colour jitter, normalisation.
  FloatImage apply(const PreparedImage& image, Rng& rng) const;
  // apply(), then writes the result planar (CHW, as the network's N x C x H x W input wants) into
  // `out`, which must hold exactly channels x height x width values of the output.
  void apply_chw(const PreparedImage& image, Rng& rng, std::span<float> out) const;
  // The whole chain.
  FloatImage apply(const Image& image, Rng& rng) const { return apply(prepare(image), rng); }
  void apply_chw(const Image& image, Rng& rng, std::span<float> out) const {
    apply_chw(prepare(image), rng, out);
  }

  const proto::FaceTransformParameter& param() const { return param_; }

 private:
  bool rotates() const;
  // Whether the head makes floats: something before the crop works on them.
  bool float_head() const;
  // The crop: random in TRAIN, centred otherwise.
  template <typename T>
  BasicImage<T> crop(const BasicImage<T>& image, Rng& rng) const;
  // Mirror, colour jitter and normalisation: the steps after the crop.
  FloatImage finish(FloatImage x, Rng& rng) const;

  proto::FaceTransformParameter param_;
  bool train_;
};

// Caffe's transform_param as a FaceTransformParameter: crop_size (random in TRAIN, centred in
// TEST), mirror, scale and mean_value carry over; `channels` comes from the data layer (is_color)
// unless force_gray / force_color say otherwise. mean_file is not supported (use mean_value).
proto::FaceTransformParameter from_caffe_transform(const proto::TransformationParameter& caffe,
                                                   int channels);

}  // namespace visage::data
