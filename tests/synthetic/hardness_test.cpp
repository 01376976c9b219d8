// The synthetic faces must be hard enough that learning matters: comparing raw pixels by L2
// distance verifies pairs of them poorly. (The other half of the claim, that a small network
// trained on other identities does well, is the quickstart's measurement; docs/synthetic_faces.md.)
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "synthetic/face.hpp"
#include "synthetic/random.hpp"
#include "tests/support/face_config.hpp"

namespace visage {
namespace {

using testing::face_config;

struct ScoredPair {
  double distance = 0;
  bool same = false;
};

// The accuracy of the best single threshold on the distances (the most optimistic verifier).
double best_threshold_accuracy(std::vector<ScoredPair> pairs) {
  std::sort(pairs.begin(), pairs.end(),
            [](const ScoredPair& a, const ScoredPair& b) { return a.distance < b.distance; });
  const auto mismatched =
      std::count_if(pairs.begin(), pairs.end(), [](const ScoredPair& p) { return !p.same; });
  // Threshold below pair i: pairs before it are called "same".
  int64_t correct = mismatched, best = correct;
  for (const ScoredPair& p : pairs) {
    correct += p.same ? 1 : -1;
    best = std::max(best, correct);
  }
  return static_cast<double>(best) / static_cast<double>(pairs.size());
}

TEST(SyntheticHardness, RawPixelDistanceVerifiesBelowSeventyPercent) {
  constexpr int kIdentities = 100, kImages = 10, kPairs = 600;
  const synthetic::SyntheticFaceConfig config = face_config(1, 32);
  std::vector<std::vector<float>> images;
  for (int identity = 0; identity < kIdentities; ++identity) {
    for (int index = 0; index < kImages; ++index)
      images.push_back(synthetic::render_face(config, identity, index).pixels);
  }
  const auto distance = [&](int identity_a, int image_a, int identity_b, int image_b) {
    const auto& a = images[static_cast<size_t>(identity_a * kImages + image_a)];
    const auto& b = images[static_cast<size_t>(identity_b * kImages + image_b)];
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
    return sum;
  };
  synthetic::HashStream random(1, 0, 0, synthetic::Purpose::pairs);
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < kPairs; ++i) {
    const int identity = random.below(kIdentities), a = random.below(kImages);
    int b = random.below(kImages - 1);
    b += b >= a ? 1 : 0;
    pairs.push_back({distance(identity, a, identity, b), true});
  }
  for (int i = 0; i < kPairs; ++i) {
    const int x = random.below(kIdentities);
    int y = random.below(kIdentities - 1);
    y += y >= x ? 1 : 0;
    const int a = random.below(kImages), b = random.below(kImages);
    pairs.push_back({distance(x, a, y, b), false});
  }
  const double accuracy = best_threshold_accuracy(pairs);
  RecordProperty("raw_pixel_accuracy", std::to_string(accuracy));
  std::printf("raw-pixel L2 verification accuracy (best threshold): %.3f\n", accuracy);
  EXPECT_LT(accuracy, 0.70);
  EXPECT_GT(accuracy, 0.5);  // above chance: identity is in the pixels, only buried under nuisance
}

}  // namespace
}  // namespace visage
