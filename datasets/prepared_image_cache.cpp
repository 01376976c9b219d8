#include "datasets/prepared_image_cache.hpp"

#include "core/error.hpp"

namespace visage::data {

PreparedImageCache::PreparedImageCache(const FaceSource& source, int64_t budget_bytes)
    : budget_bytes_(budget_bytes) {
  VISAGE_CHECK(budget_bytes >= 0, "an image cache of ", budget_bytes, " bytes");
  int64_t slots = 0;
  for (int identity = 0; identity < source.num_identities(); ++identity) {
    first_slot_.push_back(slots);
    slots += source.num_images(identity);
  }
  kept_.resize(static_cast<size_t>(slots));
}

int64_t PreparedImageCache::slot(const SampleRef& image) const {
  return first_slot_[static_cast<size_t>(image.identity)] + image.index;
}

std::shared_ptr<const PreparedImage> PreparedImageCache::find(const SampleRef& image) const {
  const std::lock_guard lock(mutex_);
  return kept_[static_cast<size_t>(slot(image))];
}

void PreparedImageCache::keep(const SampleRef& image,
                              std::shared_ptr<const PreparedImage> prepared) {
  const auto size = static_cast<int64_t>(prepared->bytes());
  const std::lock_guard lock(mutex_);
  auto& kept = kept_[static_cast<size_t>(slot(image))];
  // Two threads may prepare the same image at once; the first one kept stays.
  if (kept != nullptr || usage_.bytes + size > budget_bytes_) return;
  kept = std::move(prepared);
  usage_.bytes += size;
  ++usage_.images;
}

PreparedImageCache::Usage PreparedImageCache::usage() const {
  const std::lock_guard lock(mutex_);
  return usage_;
}

}  // namespace visage::data
