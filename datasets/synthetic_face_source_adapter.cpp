#include "datasets/synthetic_face_source_adapter.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace visage::data {

SyntheticFaceSourceAdapter::SyntheticFaceSourceAdapter(const synthetic::SyntheticFaceConfig& config,
                                                       int64_t first_identity, int identities,
                                                       int images_per_identity)
    : source_(config, first_identity, identities, images_per_identity),
      images_per_identity_(images_per_identity) {}

Image SyntheticFaceSourceAdapter::load(int identity, int index) const {
  const synthetic::FaceImage face = source_.image(identity, index);
  Image image(face.height, face.width, face.channels);
  std::ranges::transform(face.pixels, image.pixels.begin(), synthetic::face_pixel_byte);
  return image;
}

std::string SyntheticFaceSourceAdapter::describe(int identity, int index) const {
  return concat("synthetic face ", index, " of identity ", source_.identity_of(identity), " (seed ",
                source_.config().seed, ")");
}

}  // namespace visage::data
