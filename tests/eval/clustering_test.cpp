#include "eval/clustering.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace visage::eval {
namespace {

struct Blobs {
  std::vector<float> points;  // 2-D
  std::vector<int> labels;
};

Blobs well_separated_blobs() {
  const float centres[][2] = {{0, 0}, {100, 0}, {0, 100}, {100, 100}};
  Rng rng(5);
  Blobs blobs;
  for (int i = 0; i < 30; ++i) {
    for (int c = 0; c < 4; ++c) {  // interleaved, so no label order leaks into the seeding
      blobs.points.push_back(centres[c][0] + rng.gaussian(0, 1));
      blobs.points.push_back(centres[c][1] + rng.gaussian(0, 1));
      blobs.labels.push_back(c);
    }
  }
  return blobs;
}

TEST(EvalClustering, KMeansRecoversWellSeparatedBlobs) {
  const Blobs blobs = well_separated_blobs();
  KMeansOptions options;
  options.clusters = 4;
  const KMeansResult result = kmeans(blobs.points, 2, options);
  const ContingencyTable table = contingency_table(result.assignment, blobs.labels);
  EXPECT_DOUBLE_EQ(purity(table), 1.0);
  EXPECT_NEAR(normalized_mutual_information(table), 1.0, 1e-12);
  EXPECT_EQ(result.centroids.size(), 8u);
  EXPECT_LT(result.inertia, 120 * 2 * 4.0);  // about 2 per point for unit-variance 2-D noise
}

TEST(EvalClustering, KMeansIsDeterministicGivenTheSeed) {
  const Blobs blobs = well_separated_blobs();
  KMeansOptions options;
  options.clusters = 6;  // more clusters than blobs, so the seeding matters
  options.seed = 9;
  const KMeansResult a = kmeans(blobs.points, 2, options);
  const KMeansResult b = kmeans(blobs.points, 2, options);
  EXPECT_EQ(a.assignment, b.assignment);
  EXPECT_EQ(a.centroids, b.centroids);
  EXPECT_DOUBLE_EQ(a.inertia, b.inertia);
}

TEST(EvalClustering, MoreRestartsNeverRaiseInertia) {
  const Blobs blobs = well_separated_blobs();
  KMeansOptions one;
  one.clusters = 7;
  one.restarts = 1;
  KMeansOptions many = one;
  many.restarts = 8;
  EXPECT_LE(kmeans(blobs.points, 2, many).inertia, kmeans(blobs.points, 2, one).inertia);
}

TEST(EvalClustering, EveryClusterKeepsAPointEvenWithDuplicates) {
  const std::vector<float> points = {0, 0, 0, 5};
  KMeansOptions options;
  options.clusters = 3;
  const KMeansResult result = kmeans(points, 1, options);
  std::vector<int> sizes(3, 0);
  for (const int c : result.assignment) ++sizes[c];
  for (const int size : sizes) EXPECT_GE(size, 1);
  EXPECT_DOUBLE_EQ(result.inertia, 0.0);
}

TEST(EvalClustering, NmiOfKnownContingencyTables) {
  EXPECT_DOUBLE_EQ(normalized_mutual_information({{2, 0}, {0, 2}}), 1.0);
  EXPECT_DOUBLE_EQ(normalized_mutual_information({{1, 1}, {1, 1}}), 0.0);
  // clusters {0,0,1,1,2,2} vs labels {0,0,0,1,1,1}: I = (2/3) ln 2, H(C) = ln 3, H(L) = ln 2,
  // NMI = I / ((H(C) + H(L)) / 2) = (4/3) ln 2 / ln 6 = 0.5158037...
  const ContingencyTable table =
      contingency_table(std::vector<int>{0, 0, 1, 1, 2, 2}, std::vector<int>{0, 0, 0, 1, 1, 1});
  EXPECT_EQ(table, (ContingencyTable{{2, 0}, {1, 1}, {0, 2}}));
  EXPECT_NEAR(normalized_mutual_information(table), 4.0 / 3.0 * std::log(2.0) / std::log(6.0),
              1e-12);
  EXPECT_NEAR(normalized_mutual_information(table), 0.5158037429793889, 1e-12);
  EXPECT_DOUBLE_EQ(purity(table), 5.0 / 6.0);
  // One block on both sides: identical partitions.
  EXPECT_DOUBLE_EQ(normalized_mutual_information({{4}}), 1.0);
}

TEST(EvalClustering, RejectsTooFewPoints) {
  const std::vector<float> points = {0, 1};
  KMeansOptions options;
  options.clusters = 3;
  EXPECT_THROW(kmeans(points, 1, options), Error);
  EXPECT_THROW(contingency_table(std::vector<int>{0}, std::vector<int>{-1}), Error);
}

}  // namespace
}  // namespace visage::eval
