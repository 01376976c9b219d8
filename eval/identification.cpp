#include "eval/identification.hpp"

#include <map>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace visage::eval {
namespace {

std::span<const float> row(std::span<const float> embeddings, size_t dim, size_t i) {
  return embeddings.subspan(i * dim, dim);
}

}  // namespace

GalleryProbeSplit split_gallery_probe(std::span<const int> labels, uint64_t seed) {
  std::map<int, std::vector<size_t>> images_of;
  for (size_t i = 0; i < labels.size(); ++i) images_of[labels[i]].push_back(i);

  Rng rng(seed);
  std::vector<bool> in_gallery(labels.size(), false);
  GalleryProbeSplit split;
  for (const auto& [label, images] : images_of) {
    const size_t chosen = images[rng.below(images.size())];
    in_gallery[chosen] = true;
    split.gallery.push_back(chosen);
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!in_gallery[i]) split.probes.push_back(i);
  }
  return split;
}

double IdentificationResult::rank(int k) const {
  VISAGE_CHECK(k >= 1 && static_cast<size_t>(k) <= cmc.size(), "rank ", k,
               " outside the computed ranks 1..", cmc.size());
  return cmc[k - 1];
}

IdentificationResult identify(std::span<const float> embeddings, size_t dim,
                              std::span<const int> labels, const GalleryProbeSplit& split,
                              int max_rank, Distance metric) {
  VISAGE_CHECK(dim > 0 && embeddings.size() == labels.size() * dim, "identification needs ",
               labels.size(), " embeddings of dimension ", dim, ", got ", embeddings.size(),
               " values");
  VISAGE_CHECK(max_rank >= 1, "max_rank must be at least 1, got ", max_rank);
  VISAGE_CHECK(!split.probes.empty(), "identification needs at least one probe image");

  std::map<int, size_t> gallery_of;
  for (const size_t g : split.gallery) {
    VISAGE_CHECK(gallery_of.emplace(labels[g], g).second, "identity ", labels[g],
                 " has more than one gallery image");
  }

  std::vector<size_t> hits_at_rank(max_rank, 0);
  for (const size_t probe : split.probes) {
    const auto own = gallery_of.find(labels[probe]);
    VISAGE_CHECK(own != gallery_of.end(), "probe image ", probe, " (identity ", labels[probe],
                 ") has no gallery image");
    const auto probe_row = row(embeddings, dim, probe);
    const double own_distance = distance(probe_row, row(embeddings, dim, own->second), metric);
    size_t nearer = 0;
    for (const size_t g : split.gallery) {
      if (g != own->second &&
          distance(probe_row, row(embeddings, dim, g), metric) <= own_distance) {
        ++nearer;
      }
    }
    if (nearer < static_cast<size_t>(max_rank)) ++hits_at_rank[nearer];
  }

  IdentificationResult result;
  result.probes = split.probes.size();
  result.gallery = split.gallery.size();
  size_t cumulative = 0;
  for (const size_t hits : hits_at_rank) {
    cumulative += hits;
    result.cmc.push_back(static_cast<double>(cumulative) / static_cast<double>(result.probes));
  }
  return result;
}

}  // namespace visage::eval
