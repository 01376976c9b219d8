// Synthetic faces on disk: an identity-folder dataset (`<root>/<name>/<name>_<NNNN>.png`, LFW's
// layout) and a pairs file in LFW's View 2 format over identity-disjoint folds, so that the
// verification protocol runs on synthetic identities exactly as it does on LFW.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synthetic/face.hpp"

namespace visage::synthetic {

struct SyntheticDatasetSpec {
  SyntheticFaceConfig face;
  int64_t first_identity = 0;
  int identities = 0;
  int images_per_identity = 0;
  int folds = 10;
  int pairs_per_fold = 0;  // matched pairs per fold, and as many mismatched
};

// One line of a pairs file; image numbers are 1-based, as in LFW.
struct SyntheticPair {
  int64_t first_identity = 0;
  int first_image = 0;
  int64_t second_identity = 0;
  int second_image = 0;
  bool same() const { return first_identity == second_identity; }
};

// Throws when the spec names no identities or an image count outside [1, 9999].
void check_synthetic_dataset_spec(const SyntheticDatasetSpec& spec);

// Identities are split into `folds` contiguous blocks; fold f draws its pairs from block f only.
// Pairs are distinct and drawn from (face.seed) alone. Throws when the spec cannot supply them.
std::vector<SyntheticPair> synthetic_pairs(const SyntheticDatasetSpec& spec);
// `folds<TAB>pairs_per_fold`, then per fold the matched `name<TAB>i<TAB>j` lines and the
// mismatched `name<TAB>i<TAB>other<TAB>j` lines.
std::string pairs_text(const SyntheticDatasetSpec& spec, const std::vector<SyntheticPair>& pairs);

// The relative path of an image: "synthetic_000007/synthetic_000007_0003.png" (number 1-based).
std::string synthetic_image_path(int64_t identity, int number);

// One row per identity, one column per image, separated by `gap` white pixels: for looking at
// the generator's output.
FaceImage contact_sheet(const SyntheticFaceConfig& face, int64_t first_identity, int identities,
                        int images_per_identity, int gap = 2);

}  // namespace visage::synthetic
