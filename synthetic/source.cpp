#include "synthetic/source.hpp"

#include "core/error.hpp"

namespace visage::synthetic {

SyntheticFaceSource::SyntheticFaceSource(SyntheticFaceConfig config, int64_t first_identity,
                                         int identities, int64_t images_per_identity,
                                         int64_t first_image)
    : config_(config),
      first_identity_(first_identity),
      identities_(identities),
      images_per_identity_(images_per_identity),
      first_image_(first_image) {
  VISAGE_CHECK(first_identity >= 0, "synthetic faces: first identity ", first_identity,
               " must be >= 0");
  VISAGE_CHECK(identities > 0, "synthetic faces: the number of identities must be > 0");
  VISAGE_CHECK(images_per_identity == kUnbounded || images_per_identity > 0,
               "synthetic faces: images per identity must be > 0 (or unbounded)");
  VISAGE_CHECK(first_image >= 0, "synthetic faces: first image ", first_image, " must be >= 0");
  check_synthetic_face_config(config_);
}

FaceImage SyntheticFaceSource::image(int label, int64_t index) const {
  VISAGE_CHECK(label >= 0 && label < identities_, "synthetic faces: label ", label,
               " is outside [0, ", identities_, ")");
  VISAGE_CHECK(index >= 0 && (unbounded() || index < images_per_identity_),
               "synthetic faces: image ", index, " is outside the identity's ",
               images_per_identity_, " images");
  return render_face(config_, identity_of(label), first_image_ + index);
}

}  // namespace visage::synthetic
