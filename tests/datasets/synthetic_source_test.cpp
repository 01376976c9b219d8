// The generator as a labelled source: the standalone SyntheticFaceSource and its data::FaceSource
// adapter for the samplers and the prefetcher.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "datasets/synthetic_face_source_adapter.hpp"
#include "synthetic/source.hpp"

namespace visage {
namespace {

synthetic::SyntheticFaceConfig small_faces() {
  synthetic::SyntheticFaceConfig config;
  config.seed = 6;
  config.size = 16;
  return config;
}

TEST(SyntheticFaceSource, LabelsMapIntoTheIdentityRange) {
  const synthetic::SyntheticFaceSource source(small_faces(), 500, 20);
  EXPECT_EQ(source.num_identities(), 20);
  EXPECT_TRUE(source.unbounded());
  EXPECT_EQ(source.images_of(3), synthetic::SyntheticFaceSource::kUnbounded);
  EXPECT_EQ(source.identity_of(3), 503);
  EXPECT_EQ(source.name_of(3), "synthetic_000503");
  EXPECT_EQ(source.image(3, 123456789).pixels,
            synthetic::render_face(small_faces(), 503, 123456789).pixels);
  EXPECT_THROW(source.image(20, 0), Error);

  const synthetic::SyntheticFaceSource pool(small_faces(), 0, 5, 10);
  EXPECT_EQ(pool.images_of(0), 10);
  EXPECT_THROW(pool.image(0, 10), Error);
  EXPECT_THROW(synthetic::SyntheticFaceSource(small_faces(), 0, 0), Error);
}

TEST(SyntheticFaceSourceAdapter, LoadsEightBitFacesLikeADecoder) {
  const data::SyntheticFaceSourceAdapter adapter(small_faces(), 40, 8, 25);
  EXPECT_EQ(adapter.num_identities(), 8);
  EXPECT_EQ(adapter.num_images(7), 25);
  const data::Image image = adapter.load(2, 9);
  const synthetic::FaceImage face = synthetic::render_face(small_faces(), 42, 9);
  ASSERT_EQ(image.pixels.size(), face.pixels.size());
  EXPECT_EQ(image.channels, 3);
  for (size_t i = 0; i < face.pixels.size(); ++i) {
    ASSERT_EQ(image.pixels[i], std::lround(255 * face.pixels[i])) << "value " << i;
  }
  EXPECT_NE(adapter.describe(2, 9).find("identity 42"), std::string::npos)
      << adapter.describe(2, 9);
  EXPECT_EQ(adapter.natural_order().size(), 8u * 25u);
}

}  // namespace
}  // namespace visage
