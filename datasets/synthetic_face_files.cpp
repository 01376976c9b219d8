#include "datasets/synthetic_face_files.hpp"

#include <algorithm>

#include "core/config.hpp"
#include "core/error.hpp"
#include "datasets/image_io.hpp"

namespace visage::data {

using synthetic::FaceImage;
using synthetic::SyntheticDatasetSpec;
using synthetic::SyntheticPair;

void write_face_png(const FaceImage& image, const std::filesystem::path& path) {
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "cannot write ", path.string(),
               ": PNG needs 1 or 3 channels, the image has ", image.channels);
  Image bytes(image.height, image.width, image.channels);
  std::ranges::transform(image.pixels, bytes.pixels.begin(), synthetic::face_pixel_byte);
  write_image(bytes, path);
}

void write_synthetic_dataset(const SyntheticDatasetSpec& spec, const std::filesystem::path& root,
                             const std::function<void(int done)>& progress) {
  synthetic::check_synthetic_dataset_spec(spec);
  // Pairs first: an impossible request fails before anything is written.
  const std::vector<SyntheticPair> pairs =
      spec.pairs_per_fold > 0 ? synthetic::synthetic_pairs(spec) : std::vector<SyntheticPair>{};
  for (int i = 0; i < spec.identities; ++i) {
    const int64_t identity = spec.first_identity + i;
    std::filesystem::create_directories(root / synthetic::synthetic_identity_name(identity));
    for (int k = 0; k < spec.images_per_identity; ++k) {
      write_face_png(synthetic::render_face(spec.face, identity, k),
                     root / synthetic::synthetic_image_path(identity, k + 1));
    }
    if (progress) progress(i + 1);
  }
  if (!pairs.empty()) {
    write_file((root / "pairs.txt").string(), synthetic::pairs_text(spec, pairs));
  }
}

}  // namespace visage::data
