// Closed-set identification: each probe image is matched against a gallery holding one image per
// identity, and rank-k accuracy is the fraction of probes whose own identity is among the k
// nearest gallery images (the cumulative match characteristic, CMC).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "eval/distance.hpp"

namespace visage::eval {

struct GalleryProbeSplit {
  std::vector<size_t> gallery;  // one image index per identity, by increasing label
  std::vector<size_t> probes;   // every other image, by increasing index
};

// Picks each identity's gallery image uniformly at random with `seed` (the same seed gives the
// same split everywhere). Identities with a single image then have no probe; their image stays in
// the gallery as a distractor for the others.
GalleryProbeSplit split_gallery_probe(std::span<const int> labels, uint64_t seed);

struct IdentificationResult {
  std::vector<double> cmc;  // cmc[k - 1] = rank-k accuracy, for k = 1 .. max_rank
  size_t probes = 0;
  size_t gallery = 0;

  double rank(int k) const;  // rank-k accuracy, 1 <= k <= cmc.size()
};

// `embeddings` holds one row of `dim` floats per label. A gallery image of another identity at the
// same distance as the true one counts as nearer (ties are pessimistic), so results never depend on
// the gallery's order.
IdentificationResult identify(std::span<const float> embeddings, size_t dim,
                              std::span<const int> labels, const GalleryProbeSplit& split,
                              int max_rank, Distance metric);

}  // namespace visage::eval
