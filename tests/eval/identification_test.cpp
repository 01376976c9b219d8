#include "eval/identification.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"

namespace visage::eval {
namespace {

TEST(EvalIdentification, RankKOnAHandMadeGallery) {
  // Gallery: identity 0 at (0, 0), 1 at (10, 0), 2 at (0, 10).
  const std::vector<float> embeddings = {
      0,  0,   // 0: identity 0, gallery
      10, 0,   // 1: identity 1, gallery
      0,  10,  // 2: identity 2, gallery
      1,  0,   // 3: identity 0, nearest is its own: rank 1
      4,  0,   // 4: identity 1, identity 0 is nearer (4 < 6): rank 2
      0,  6,   // 5: identity 0, identity 2 is nearer (4 < 6): rank 2
      9,  1,   // 6: identity 1, rank 1
  };
  const std::vector<int> labels = {0, 1, 2, 0, 1, 0, 1};
  const GalleryProbeSplit split{{0, 1, 2}, {3, 4, 5, 6}};
  const IdentificationResult result = identify(embeddings, 2, labels, split, 3, Distance::kL2);
  EXPECT_EQ(result.probes, 4u);
  EXPECT_EQ(result.gallery, 3u);
  EXPECT_DOUBLE_EQ(result.rank(1), 0.5);
  EXPECT_DOUBLE_EQ(result.rank(2), 1.0);
  EXPECT_DOUBLE_EQ(result.rank(3), 1.0);
  EXPECT_THROW(result.rank(4), Error);
}

TEST(EvalIdentification, TiesWithAnotherIdentityArePessimistic) {
  const std::vector<float> embeddings = {0, 0, 2, 0, 1, 0};
  const std::vector<int> labels = {0, 1, 0};
  const GalleryProbeSplit split{{0, 1}, {2}};  // the probe is equally far from both
  const IdentificationResult result =
      identify(embeddings, 2, labels, split, 2, Distance::kSquaredL2);
  EXPECT_DOUBLE_EQ(result.rank(1), 0.0);
  EXPECT_DOUBLE_EQ(result.rank(2), 1.0);
}

TEST(EvalIdentification, SplitHasOneGalleryImagePerIdentityAndIsSeeded) {
  const std::vector<int> labels = {3, 1, 3, 3, 1, 7, 1, 3};
  const GalleryProbeSplit split = split_gallery_probe(labels, 42);
  ASSERT_EQ(split.gallery.size(), 3u);
  EXPECT_EQ(labels[split.gallery[0]], 1);  // by increasing label
  EXPECT_EQ(labels[split.gallery[1]], 3);
  EXPECT_EQ(split.gallery[2], 5u);  // identity 7's only image
  EXPECT_EQ(split.probes.size(), 5u);
  EXPECT_TRUE(std::is_sorted(split.probes.begin(), split.probes.end()));
  for (const size_t g : split.gallery) {
    EXPECT_EQ(std::count(split.probes.begin(), split.probes.end(), g), 0);
  }

  const GalleryProbeSplit again = split_gallery_probe(labels, 42);
  EXPECT_EQ(again.gallery, split.gallery);
  EXPECT_EQ(again.probes, split.probes);
  bool some_seed_differs = false;
  for (uint64_t seed = 1; seed < 20 && !some_seed_differs; ++seed) {
    some_seed_differs = split_gallery_probe(labels, seed).gallery != split.gallery;
  }
  EXPECT_TRUE(some_seed_differs);
}

TEST(EvalIdentification, RejectsMismatchedSizesAndProbesWithoutGallery) {
  const std::vector<float> embeddings = {0, 0, 1, 1};
  const std::vector<int> labels = {0, 1};
  EXPECT_THROW(identify(embeddings, 3, labels, {{0}, {1}}, 1, Distance::kL2), Error);
  EXPECT_THROW(identify(embeddings, 2, labels, {{0}, {1}}, 1, Distance::kL2), Error);
}

}  // namespace
}  // namespace visage::eval
