#include "datasets/synthetic_face_source_adapter.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace visage {

SyntheticFaceSourceAdapter::SyntheticFaceSourceAdapter(const SyntheticFaceConfig& config,
                                                       int64_t first_identity, int identities,
                                                       int images_per_identity)
    : source_(config, first_identity, identities, images_per_identity),
      images_per_identity_(images_per_identity) {}

data::Image SyntheticFaceSourceAdapter::load(int identity, int index) const {
  const FaceImage face = source_.image(identity, index);
  data::Image image(face.height, face.width, face.channels);
  std::transform(face.pixels.begin(), face.pixels.end(), image.pixels.begin(), [](float v) {
    return static_cast<uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
  });
  return image;
}

std::string SyntheticFaceSourceAdapter::describe(int identity, int index) const {
  return concat("synthetic face ", index, " of identity ", source_.identity_of(identity), " (seed ",
                source_.config().seed, ")");
}

}  // namespace visage
