#include "synthetic/cache.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace visage::synthetic {

SyntheticFaceCache::SyntheticFaceCache(const SyntheticFaceSource& source)
    : source_(&source),
      image_bytes_(static_cast<size_t>(source.config().size) * source.config().size *
                   source.config().channels) {
  VISAGE_CHECK(!source.unbounded(), "synthetic faces: only a fixed pool of images can be cached");
  const auto images =
      static_cast<size_t>(source.num_identities()) * static_cast<size_t>(source.images_of(0));
  pixels_ = std::make_unique_for_overwrite<uint8_t[]>(images * image_bytes_);
  slots_ = std::vector<std::once_flag>(images);
}

std::span<const uint8_t> SyntheticFaceCache::image(int label, int64_t index) {
  VISAGE_CHECK(label >= 0 && label < source_->num_identities() && index >= 0 &&
                   index < source_->images_of(label),
               "synthetic faces: image ", index, " of label ", label, " is outside the pool");
  const size_t slot = static_cast<size_t>(label) * static_cast<size_t>(source_->images_of(0)) +
                      static_cast<size_t>(index);
  uint8_t* pixels = pixels_.get() + slot * image_bytes_;
  std::call_once(slots_[slot], [&] {
    const FaceImage face = source_->image(label, index);
    std::ranges::transform(face.pixels, pixels, face_pixel_byte);
  });
  return {pixels, image_bytes_};
}

}  // namespace visage::synthetic
