// The synthetic face generator seen as a labelled dataset, for samplers and data layers: label l
// is generator identity first_identity + l, and each identity has either a fixed pool of images
// (indices 0 .. pool - 1, generator images first_image .. first_image + pool - 1) or unboundedly
// many.
#pragma once

#include <cstdint>
#include <string>

#include "synthetic/face.hpp"

namespace visage::synthetic {

class SyntheticFaceSource {
 public:
  static constexpr int64_t kUnbounded = -1;

  // Throws visage::Error for an invalid config, range or pool.
  SyntheticFaceSource(SyntheticFaceConfig config, int64_t first_identity, int identities,
                      int64_t images_per_identity = kUnbounded, int64_t first_image = 0);

  int num_identities() const { return identities_; }
  // kUnbounded, or the size of each identity's pool.
  int64_t images_of(int label) const { return images_per_identity_; }
  bool unbounded() const { return images_per_identity_ == kUnbounded; }
  int64_t identity_of(int label) const { return first_identity_ + label; }
  std::string name_of(int label) const { return synthetic_identity_name(identity_of(label)); }
  // Image `index` of the identity with this label (index < images_of(label) unless unbounded).
  FaceImage image(int label, int64_t index) const;
  const SyntheticFaceConfig& config() const { return config_; }

 private:
  SyntheticFaceConfig config_;
  int64_t first_identity_;
  int identities_;
  int64_t images_per_identity_;
  int64_t first_image_;
};

}  // namespace visage::synthetic
