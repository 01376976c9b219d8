// The synthetic face generator: determinism, resolution independence, identity structure and the
// pairs protocol of the datasets it writes.
#include "synthetic/face.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "synthetic/dataset.hpp"
#include "tests/support/face_config.hpp"

namespace visage {
namespace {

// See PixelsArePinnedAcrossBuilds.
constexpr double kFingerprint = 1.773192;

using testing::face_config;

double mean_squared_difference(const synthetic::FaceImage& a, const synthetic::FaceImage& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = a.pixels[i] - b.pixels[i];
    sum += d * d;
  }
  return sum / static_cast<double>(a.pixels.size());
}

// Box-filters an image down by an integer factor.
synthetic::FaceImage shrink(const synthetic::FaceImage& image, int factor) {
  synthetic::FaceImage out{image.height / factor, image.width / factor, image.channels, {}};
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      for (int c = 0; c < image.channels; ++c) {
        float sum = 0;
        for (int dy = 0; dy < factor; ++dy) {
          for (int dx = 0; dx < factor; ++dx) sum += image.at(y * factor + dy, x * factor + dx, c);
        }
        out.pixels.push_back(sum / static_cast<float>(factor * factor));
      }
    }
  }
  return out;
}

TEST(SyntheticFace, ImagesHaveTheConfiguredShapeAndRange) {
  for (const int channels : {1, 3}) {
    const synthetic::SyntheticFaceConfig config = face_config(3, 40, channels);
    const synthetic::FaceImage image = synthetic::render_face(config, 5, 2);
    EXPECT_EQ(image.height, 40);
    EXPECT_EQ(image.width, 40);
    EXPECT_EQ(image.channels, channels);
    ASSERT_EQ(image.pixels.size(), static_cast<size_t>(40 * 40 * channels));
    for (const float v : image.pixels) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
  }
}

TEST(SyntheticFace, SameArgumentsGiveTheSamePixelsWhateverWasRenderedBefore) {
  const synthetic::SyntheticFaceConfig config = face_config(11, 32);
  const synthetic::FaceImage first = synthetic::render_face(config, 7, 3);
  // Render other faces in between, in a different order: no hidden state may leak.
  for (int i = 5; i >= 0; --i) synthetic::render_face(config, i, 9 - i);
  const synthetic::FaceImage again = synthetic::render_face(config, 7, 3);
  EXPECT_EQ(first.pixels, again.pixels);
}

TEST(SyntheticFace, PixelsArePinnedAcrossBuilds) {
  // A fingerprint of one image: a change here means every dataset and stream changes too, which
  // must be a deliberate decision (update the number and say so in the commit).
  const synthetic::FaceImage image = synthetic::render_face(face_config(1, 32), 0, 0);
  double sum = 0;
  for (size_t i = 0; i < image.pixels.size(); ++i)
    sum += image.pixels[i] * static_cast<double>(i % 7 + 1);
  EXPECT_NEAR(sum / static_cast<double>(image.pixels.size()), kFingerprint, 1e-4);
}

TEST(SyntheticFace, SeedIdentityAndIndexEachChangeTheImage) {
  const synthetic::SyntheticFaceConfig config = face_config(1, 32);
  const synthetic::FaceImage base = synthetic::render_face(config, 4, 4);
  EXPECT_GT(mean_squared_difference(base, synthetic::render_face(config, 5, 4)), 1e-4);
  EXPECT_GT(mean_squared_difference(base, synthetic::render_face(config, 4, 5)), 1e-4);
  EXPECT_GT(mean_squared_difference(base, synthetic::render_face(face_config(2, 32), 4, 4)), 1e-4);
}

TEST(SyntheticFace, TheSameFaceAtAnySize) {
  // Geometry lives in resolution-independent coordinates: a 96-pixel face box-filtered to 32
  // pixels is nearly the 32-pixel render (only the per-pixel noise and JPEG blocks differ, so
  // this compares clean renders).
  synthetic::SyntheticFaceConfig small = face_config(5, 32);
  small.nuisance = synthetic::SyntheticNuisance::none();
  small.nuisance.pose = small.nuisance.illumination = small.nuisance.expression = 1;
  synthetic::SyntheticFaceConfig large = small;
  large.size = 96;
  for (int identity = 0; identity < 3; ++identity) {
    const synthetic::FaceImage a = synthetic::render_face(small, identity, 1);
    const synthetic::FaceImage b = shrink(synthetic::render_face(large, identity, 1), 3);
    EXPECT_LT(mean_squared_difference(a, b), 2e-3) << "identity " << identity;
    EXPECT_GT(mean_squared_difference(a, synthetic::render_face(small, identity + 1, 1)), 5e-3);
  }
}

TEST(SyntheticFace, WithoutNuisanceIdentitiesDifferMoreThanImagesOfOneIdentity) {
  synthetic::SyntheticFaceConfig config = face_config(9, 32);
  config.nuisance = synthetic::SyntheticNuisance::none();
  double largest_within = 0, smallest_between = 1e9;
  for (int identity = 0; identity < 12; ++identity) {
    const synthetic::FaceImage a = synthetic::render_face(config, identity, 0);
    largest_within = std::max(
        largest_within, mean_squared_difference(a, synthetic::render_face(config, identity, 1)));
    smallest_between =
        std::min(smallest_between,
                 mean_squared_difference(a, synthetic::render_face(config, identity + 1, 0)));
  }
  EXPECT_LT(largest_within, 1e-9);  // no nuisance: every image of an identity is the same
  EXPECT_GT(smallest_between, 1e-3);
}

TEST(SyntheticFace, InvalidConfigsAreRejectedWithAMessage) {
  EXPECT_THROW(synthetic::render_face(face_config(1, 4), 0, 0), Error);
  EXPECT_THROW(synthetic::render_face(face_config(1, 32, 2), 0, 0), Error);
  EXPECT_THROW(synthetic::render_face({}, -1, 0), Error);
  synthetic::SyntheticFaceConfig negative;
  negative.nuisance.pose = -1;
  try {
    synthetic::render_face(negative, 0, 0);
    FAIL() << "a negative nuisance strength was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nuisance"), std::string::npos) << e.what();
  }
}

TEST(SyntheticPairs, FoldsAreIdentityDisjointAndPairsDistinct) {
  synthetic::SyntheticDatasetSpec spec;
  spec.identities = 40;
  spec.images_per_identity = 6;
  spec.first_identity = 100;
  spec.folds = 4;
  spec.pairs_per_fold = 20;
  const std::vector<synthetic::SyntheticPair> pairs = synthetic::synthetic_pairs(spec);
  ASSERT_EQ(pairs.size(), 4u * 40u);
  std::vector<std::set<int64_t>> fold_identities(4);
  std::set<std::tuple<int64_t, int, int64_t, int>> seen;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const synthetic::SyntheticPair& p = pairs[i];
    const size_t fold = i / 40;
    EXPECT_EQ(p.same(), i % 40 < 20) << "pair " << i;
    for (const auto& [identity, image] : {std::pair{p.first_identity, p.first_image},
                                          std::pair{p.second_identity, p.second_image}}) {
      EXPECT_GE(identity, 100);
      EXPECT_LT(identity, 140);
      EXPECT_GE(image, 1);
      EXPECT_LE(image, 6);
      fold_identities[fold].insert(identity);
    }
    if (p.same()) {
      EXPECT_NE(p.first_image, p.second_image);
    }
    EXPECT_TRUE(
        seen.emplace(p.first_identity, p.first_image, p.second_identity, p.second_image).second)
        << "pair " << i << " repeats";
  }
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = a + 1; b < 4; ++b) {
      for (const int64_t identity : fold_identities[a])
        EXPECT_EQ(fold_identities[b].count(identity), 0u);
    }
  }
  EXPECT_EQ(synthetic::synthetic_pairs(spec).size(), pairs.size());
  EXPECT_EQ(synthetic::synthetic_pairs(spec)[17].first_image,
            pairs[17].first_image);  // deterministic
}

TEST(SyntheticPairs, TextFollowsLfwView2) {
  synthetic::SyntheticDatasetSpec spec;
  spec.identities = 4;
  spec.images_per_identity = 3;
  spec.folds = 2;
  spec.pairs_per_fold = 1;
  const std::string text = synthetic::pairs_text(spec, synthetic::synthetic_pairs(spec));
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "2\t1");
  std::getline(in, line);  // fold 1, matched: name, i, j
  EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 2) << line;
  EXPECT_EQ(line.rfind("synthetic_00000", 0), 0u) << line;
  std::getline(in, line);  // fold 1, mismatched: name, i, name, j
  EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 3) << line;
  EXPECT_EQ(synthetic::synthetic_image_path(12, 3), "synthetic_000012/synthetic_000012_0003.png");
}

TEST(SyntheticPairs, ImpossibleRequestsExplainWhat) {
  synthetic::SyntheticDatasetSpec spec;
  spec.identities = 15;
  spec.images_per_identity = 2;
  spec.pairs_per_fold = 5;
  try {
    synthetic::synthetic_pairs(spec);
    FAIL() << "10 folds of 15 identities were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 20 identities"), std::string::npos) << e.what();
  }
  spec.identities = 20;  // 2 identities per fold, 1 matched pair each: 2 < 5
  EXPECT_THROW(synthetic::synthetic_pairs(spec), Error);
}

}  // namespace
}  // namespace visage
