// The synthetic generator as a data::FaceSource, so the identity-balanced sampler and the
// prefetcher (datasets/face_source.hpp) can read generated faces like files. Their interface counts
// images per identity; give the pool size (a large one, such as 1 << 20, acts as unbounded for
// random samplers, but plain sequential reading would then visit every image).
#pragma once

#include "datasets/face_source.hpp"
#include "synthetic/source.hpp"

namespace visage::data {

class SyntheticFaceSourceAdapter : public FaceSource {
 public:
  // Throws visage::Error for an invalid config or range, or images_per_identity <= 0.
  SyntheticFaceSourceAdapter(const synthetic::SyntheticFaceConfig& config, int64_t first_identity,
                             int identities, int images_per_identity);

  int num_identities() const override { return source_.num_identities(); }
  int num_images(int identity) const override { return images_per_identity_; }
  // 8-bit pixels, as a decoder would give them. Thread-safe: rendering has no shared state.
  Image load(int identity, int index) const override;
  std::string describe(int identity, int index) const override;

 private:
  synthetic::SyntheticFaceSource source_;
  int images_per_identity_;
};

}  // namespace visage::data
