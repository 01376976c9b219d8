// The per-image transform chain of a data layer, configured by a FaceTransformParameter (or by
// Caffe's TransformationParameter, translated). Order: precrop, channel conversion, degradations,
// resize, rotation/scale, crop, mirror, colour jitter, normalisation. Random steps run only when
// `train`; otherwise crops are centred and nothing is jittered. Stateless apart from its settings,
// so decoder threads share one pipeline; each sample brings its own Rng.
#pragma once

#include <span>
#include <utility>

#include "core/rng.hpp"
#include "datasets/image.hpp"
#include "proto/visage.pb.h"

namespace visage::data {

class TransformPipeline {
 public:
  // Throws visage::Error naming the offending field when the settings are inconsistent.
  TransformPipeline(const proto::FaceTransformParameter& param, bool train);

  int channels() const { return static_cast<int>(param_.channels()); }
  // (height, width) of the output for an input of the given size.
  std::pair<int, int> output_size(int height, int width) const;

  FloatImage apply(const Image& image, Rng& rng) const;
  // apply(), then writes the result planar (CHW, as the network's N x C x H x W input wants) into
  // `out`, which must hold exactly channels x height x width values of the output.
  void apply_chw(const Image& image, Rng& rng, std::span<float> out) const;

  const proto::FaceTransformParameter& param() const { return param_; }

 private:
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
