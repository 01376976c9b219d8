#include "synthetic/dataset.hpp"

#include <cstdio>
#include <set>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "synthetic/random.hpp"

namespace visage::synthetic {
void check_synthetic_dataset_spec(const SyntheticDatasetSpec& spec) {
  VISAGE_CHECK(spec.identities > 0, "synthetic dataset: identities must be > 0");
  VISAGE_CHECK(spec.images_per_identity > 0 && spec.images_per_identity <= 9999,
               "synthetic dataset: images per identity must be in [1, 9999], got ",
               spec.images_per_identity);
  VISAGE_CHECK(spec.first_identity >= 0, "synthetic dataset: first identity must be >= 0");
}

std::vector<SyntheticPair> synthetic_pairs(const SyntheticDatasetSpec& spec) {
  check_synthetic_dataset_spec(spec);
  VISAGE_CHECK(spec.folds > 0 && spec.pairs_per_fold > 0,
               "pairs: folds and pairs per fold must be > 0");
  VISAGE_CHECK(spec.identities >= 2 * spec.folds, "pairs: ", spec.folds,
               " identity-disjoint folds need at least ", 2 * spec.folds,
               " identities (two per fold for mismatched pairs), got ", spec.identities);
  VISAGE_CHECK(spec.images_per_identity >= 2,
               "pairs: matched pairs need at least 2 images per identity");
  HashStream random(spec.face.seed, spec.first_identity, spec.identities, Purpose::pairs);
  const int k = spec.images_per_identity;
  std::vector<SyntheticPair> pairs;
  for (int fold = 0; fold < spec.folds; ++fold) {
    const int begin = static_cast<int>(static_cast<int64_t>(fold) * spec.identities / spec.folds);
    const int end = static_cast<int>(static_cast<int64_t>(fold + 1) * spec.identities / spec.folds);
    const int n = end - begin;
    const auto identity = [&](int i) { return spec.first_identity + begin + i; };
    const int64_t matched_available = static_cast<int64_t>(n) * k * (k - 1) / 2;
    const int64_t mismatched_available = static_cast<int64_t>(n) * (n - 1) / 2 * k * k;
    VISAGE_CHECK(
        matched_available >= spec.pairs_per_fold && mismatched_available >= spec.pairs_per_fold,
        "pairs: fold ", fold + 1, " has ", n, " identities of ", k, " images: only ",
        std::min(matched_available, mismatched_available), " distinct pairs of a kind, ",
        spec.pairs_per_fold, " asked for; use more identities or images");
    for (const bool same : {true, false}) {
      std::set<std::tuple<int64_t, int, int64_t, int>> seen;
      while (static_cast<int>(seen.size()) < spec.pairs_per_fold) {
        int a = random.below(n), b = same ? a : random.below(n - 1);
        if (!same && b >= a) ++b;
        int i = 1 + random.below(k), j = 1 + random.below(same ? k - 1 : k);
        if (same && j >= i) ++j;
        // One canonical order, so (a, i, b, j) and (b, j, a, i) count as the same pair.
        if (std::tie(a, i) > std::tie(b, j)) std::swap(a, b), std::swap(i, j);
        if (seen.emplace(identity(a), i, identity(b), j).second) {
          pairs.push_back({identity(a), i, identity(b), j});
        }
      }
    }
  }
  return pairs;
}

std::string pairs_text(const SyntheticDatasetSpec& spec, const std::vector<SyntheticPair>& pairs) {
  std::ostringstream out;
  out << spec.folds << '\t' << spec.pairs_per_fold << '\n';
  for (const SyntheticPair& p : pairs) {
    out << synthetic_identity_name(p.first_identity) << '\t' << p.first_image << '\t';
    if (!p.same()) out << synthetic_identity_name(p.second_identity) << '\t';
    out << p.second_image << '\n';
  }
  return out.str();
}

std::string synthetic_image_path(int64_t identity, int number) {
  const std::string name = synthetic_identity_name(identity);
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", number);
  return name + "/" + name + "_" + digits + ".png";
}

FaceImage contact_sheet(const SyntheticFaceConfig& face, int64_t first_identity, int identities,
                        int images_per_identity, int gap) {
  const int s = face.size, c = face.channels;
  FaceImage sheet{identities * (s + gap) + gap, images_per_identity * (s + gap) + gap, c, {}};
  sheet.pixels.assign(static_cast<size_t>(sheet.height) * sheet.width * c, 1.0f);
  for (int row = 0; row < identities; ++row) {
    for (int column = 0; column < images_per_identity; ++column) {
      const FaceImage image = render_face(face, first_identity + row, column);
      for (int y = 0; y < s; ++y) {
        const size_t target = (static_cast<size_t>(gap + row * (s + gap) + y) * sheet.width + gap +
                               column * (s + gap)) *
                              c;
        std::copy_n(image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * s * c, s * c,
                    sheet.pixels.begin() + static_cast<std::ptrdiff_t>(target));
      }
    }
  }
  return sheet;
}

}  // namespace visage::synthetic
