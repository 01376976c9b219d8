#include "datasets/transforms.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "datasets/transform_pipeline.hpp"
#include "tests/datasets/dataset_test_support.hpp"

namespace visage::data {
namespace {

using testing::float_image;

void expect_pixels(const FloatImage& image, const std::vector<float>& expected, float tol = 1e-4f) {
  ASSERT_EQ(image.pixels.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(image.pixels[i], expected[i], tol) << "value " << i;
  }
}

// 3 x 3 grey image 1..9, row by row.
FloatImage nine() { return float_image(3, 3, 1, {1, 2, 3, 4, 5, 6, 7, 8, 9}); }

TEST(Transforms, CropsAtGivenCentreAndRandomPositions) {
  expect_pixels(crop(nine(), 1, 0, 2, 2), {4, 5, 7, 8});
  expect_pixels(center_crop(nine(), 1, 1), {5});
  expect_pixels(center_crop(nine(), 2, 2), {1, 2, 4, 5});  // offsets round down, as Caffe
  EXPECT_THROW(crop(nine(), 2, 2, 2, 2), Error);
  Rng rng(3);
  for (int i = 0; i < 20; ++i) {
    const FloatImage c = random_crop(nine(), 2, 2, rng);
    const float top_left = c.pixels[0];
    // Top-left pixel picks the position; the others follow from it.
    EXPECT_TRUE(top_left == 1 || top_left == 2 || top_left == 4 || top_left == 5);
    expect_pixels(c, {top_left, top_left + 1, top_left + 3, top_left + 4});
  }
}

TEST(Transforms, MirrorsRowsOfInterleavedPixels) {
  const FloatImage rgb = float_image(1, 2, 3, {1, 2, 3, 4, 5, 6});
  expect_pixels(mirror(rgb), {4, 5, 6, 1, 2, 3});
  FloatImage odd = float_image(2, 3, 1, {1, 2, 3, 4, 5, 6});
  mirror_in_place(odd);
  expect_pixels(odd, {3, 2, 1, 6, 5, 4});
  // 8-bit crops match float crops.
  Image bytes(3, 3, 1);
  for (int i = 0; i < 9; ++i) bytes.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>(i + 1);
  expect_pixels(to_float(center_crop(bytes, 2, 2)), {1, 2, 4, 5});
}

TEST(Transforms, BilinearResizeAlignsPixelCentres) {
  // 1 x 2 -> 1 x 4: source x = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped 0, 0.25,
  // 0.75, 1.
  expect_pixels(resize(float_image(1, 2, 1, {0, 8}), 1, 4, ResizeMethod::bilinear), {0, 2, 6, 8});
  // 4 x 4 -> 2 x 2: source 0.5 and 2.5 on both axes, the mean of each 2 x 2 block.
  FloatImage ramp(4, 4, 1);
  for (int i = 0; i < 16; ++i) ramp.pixels[static_cast<size_t>(i)] = static_cast<float>(i);
  expect_pixels(resize(ramp, 2, 2, ResizeMethod::bilinear), {2.5f, 4.5f, 10.5f, 12.5f});
}

TEST(Transforms, AreaResizeAveragesCoveredPixels) {
  // 1 x 3 -> 1 x 2: output 0 covers [0, 1.5): (1 * 1 + 2 * 0.5) / 1.5; output 1 covers [1.5, 3).
  expect_pixels(resize(float_image(1, 3, 1, {1, 2, 4}), 1, 2, ResizeMethod::area),
                {4.0f / 3.0f, (2 * 0.5f + 4) / 1.5f});
  expect_pixels(resize(nine(), 1, 1, ResizeMethod::area), {5});
}

TEST(Transforms, RotatesClockwiseAboutTheCentre) {
  // A quarter turn clockwise (as displayed) moves the top row to the right column.
  expect_pixels(rotate_scale(nine(), 90, 1), {7, 4, 1, 8, 5, 2, 9, 6, 3});
  expect_pixels(rotate_scale(nine(), 0, 1), {1, 2, 3, 4, 5, 6, 7, 8, 9});
  // Zooming by 2 about the centre (1, 1): output (0, 0) reads source (0.5, 0.5).
  const FloatImage zoomed = rotate_scale(nine(), 0, 2);
  EXPECT_NEAR(zoomed.at(0, 0, 0), (1 + 2 + 4 + 5) / 4.0f, 1e-5);
  EXPECT_NEAR(zoomed.at(1, 1, 0), 5, 1e-5);
  // Shrinking samples outside the image: the edge repeats. Output (0, 0) reads (-1, -1) -> 1.
  EXPECT_NEAR(rotate_scale(nine(), 0, 0.5f).at(0, 0, 0), 1, 1e-5);
}

TEST(Transforms, ColourAdjustmentsMatchHandValues) {
  FloatImage bright = float_image(1, 2, 1, {100, 200});
  adjust_brightness(bright, 1.5f);
  expect_pixels(bright, {150, 255});  // clamped
  FloatImage contrast = float_image(1, 2, 1, {100, 200});
  adjust_contrast(contrast, 0.5f);  // mean 150
  expect_pixels(contrast, {125, 175});
  FloatImage saturated = float_image(1, 1, 3, {200, 100, 50});
  adjust_saturation(saturated, 0);  // to grey: 0.299*200 + 0.587*100 + 0.114*50 = 124.2
  expect_pixels(saturated, {124.2f, 124.2f, 124.2f}, 1e-3f);
  FloatImage doubled = float_image(1, 1, 3, {200, 100, 50});
  adjust_saturation(doubled, 2);  // 124.2 + 2 (v - 124.2)
  expect_pixels(doubled, {255, 75.8f, 0}, 1e-3f);
}

TEST(Transforms, ColourJitterIsDeterministicPerSeed) {
  const FloatImage base = float_image(1, 2, 3, {10, 20, 30, 200, 150, 100});
  FloatImage a = base;
  FloatImage b = base;
  Rng ra(5);
  Rng rb(5);
  color_jitter(a, {0.4f, 0.4f, 0.4f}, ra);
  color_jitter(b, {0.4f, 0.4f, 0.4f}, rb);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, base.pixels);
}

TEST(Transforms, NormalisesAndStandardises) {
  FloatImage rgb = float_image(1, 1, 3, {10, 20, 30});
  const std::vector<float> mean = {1, 2, 3};
  normalize(rgb, mean, 0.5f);
  expect_pixels(rgb, {4.5f, 9, 13.5f});
  FloatImage one_mean = float_image(1, 1, 3, {10, 20, 30});
  const std::vector<float> single = {10};
  normalize(one_mean, single, 1);
  expect_pixels(one_mean, {0, 10, 20});
  FloatImage values = float_image(1, 4, 1, {1, 3, 5, 7});  // mean 4, std sqrt(5)
  standardize(values);
  const float s = std::sqrt(5.0f);
  expect_pixels(values, {-3 / s, -1 / s, 1 / s, 3 / s});
  FloatImage flat = float_image(1, 4, 1, {7, 7, 7, 7});
  standardize(flat);
  expect_pixels(flat, {0, 0, 0, 0});
}

TEST(Transforms, DownscaleDegradationKeepsSizeAndLosesDetail) {
  // A 4 x 4 checkerboard degraded to 4 pixels (2 x 2): each 2 x 2 block averages to 127.5, and
  // bilinear enlargement of a flat image stays flat.
  FloatImage board(4, 4, 1);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) board.at(y, x, 0) = (x + y) % 2 == 0 ? 255.0f : 0.0f;
  }
  const FloatImage degraded = downscale_degrade(board, 4);
  EXPECT_EQ(degraded.height, 4);
  EXPECT_EQ(degraded.width, 4);
  for (float v : degraded.pixels) EXPECT_NEAR(v, 127.5f, 1e-4);
  EXPECT_EQ(downscale_degrade(board, 16).pixels, board.pixels);  // already that small
}

TEST(Transforms, JpegDegradationLosesMoreAtLowQuality) {
  const FloatImage image = to_float(testing::pattern_image(32, 32, 0));
  const auto error = [&](int quality) {
    const FloatImage d = jpeg_degrade(image, quality);
    double sum = 0;
    for (size_t i = 0; i < d.pixels.size(); ++i) sum += std::abs(d.pixels[i] - image.pixels[i]);
    return sum / static_cast<double>(d.pixels.size());
  };
  EXPECT_LT(error(95), error(10));
  EXPECT_EQ(jpeg_degrade(image, 50).height, 32);
}

TEST(TransformPipeline, TestPhaseIsCentredAndUnjittered) {
  // Every random step switched on: a TRAIN pipeline would crop anywhere, mirror, rotate, rescale
  // and change brightness and contrast.
  proto::FaceTransformParameter p;
  p.set_channels(1);
  p.set_crop_height(3);
  p.set_crop_width(2);
  p.set_mirror(true);
  p.set_brightness(0.5f);
  p.set_contrast(0.5f);
  p.set_max_rotation_degrees(20);
  p.set_max_scale_change(0.2f);
  p.add_mean_value(5);
  p.set_scale(2);
  // 5 x 5 grey, pixel (y, x) = 10 y + x + 1: every pixel differs, left from right too.
  Image grey(5, 5, 1);
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 5; ++x) grey.at(y, x, 0) = static_cast<uint8_t>(10 * y + x + 1);
  }
  // The centred 3 x 2 crop starts at row (5 - 3) / 2 = 1 and column (5 - 2) / 2 = 1 (rounded down,
  // as Caffe), unmirrored: pixels 12 13 / 22 23 / 32 33, then (v - 5) * 2.
  const std::vector<float> expected = {14, 16, 34, 36, 54, 56};

  const TransformPipeline test(p, false);
  EXPECT_EQ(test.output_size(5, 5), std::make_pair(3, 2));
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    std::vector<float> out(6, -1000.0f);  // not a value the transform can produce
    test.apply_chw(grey, rng, out);
    EXPECT_EQ(out, expected) << "seed " << seed;
  }

  // The same settings in TRAIN do move the values, so the loop above could have caught jitter.
  const TransformPipeline train(p, true);
  int jittered = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    std::vector<float> out(6);
    train.apply_chw(grey, rng, out);
    if (out != expected) ++jittered;
  }
  EXPECT_GT(jittered, 15);
}

TEST(TransformPipeline, PrecropCutsTheCentralFrameFirstInBothPhases) {
  // A 6x6 ramp; precrop 4x4 keeps rows/cols 1..4, the 2x2 resize then averages 2x2 blocks (area),
  // and the training crop of the whole 2x2 leaves no room to move.
  Image ramp(6, 6, 1);
  for (int i = 0; i < 36; ++i) ramp.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  proto::FaceTransformParameter p;
  p.set_channels(1);
  p.set_precrop_height(4);
  p.set_precrop_width(4);
  p.set_resize_height(2);
  p.set_resize_width(2);
  p.set_resize_method(proto::FaceTransformParameter::AREA);
  p.set_crop_height(2);
  p.set_crop_width(2);
  const std::vector<float> expected = {(7 + 8 + 13 + 14) / 4.0f, (9 + 10 + 15 + 16) / 4.0f,
                                       (19 + 20 + 25 + 26) / 4.0f, (21 + 22 + 27 + 28) / 4.0f};
  for (const bool train : {false, true}) {
    const TransformPipeline pipeline(p, train);
    Rng rng(3);
    std::vector<float> out(4);
    pipeline.apply_chw(ramp, rng, out);
    for (size_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(out[i], expected[i]) << "train " << train;
  }
  p.clear_resize_height();
  p.clear_resize_width();
  p.clear_crop_height();
  p.clear_crop_width();
  EXPECT_EQ(TransformPipeline(p, false).output_size(6, 6), std::make_pair(4, 4));
  p.set_precrop_height(8);
  p.set_precrop_width(8);
  Rng rng(1);
  EXPECT_THROW(TransformPipeline(p, false).apply(ramp, rng), Error);
  p.clear_precrop_width();
  EXPECT_THROW(TransformPipeline(p, false), Error);
}

TEST(TransformPipeline, OnePreparedImageServesEveryDrawAsTheWholeChainDoes) {
  const Image face = testing::pattern_image(12, 12, 5);
  proto::FaceTransformParameter p;
  p.set_precrop_height(10);
  p.set_precrop_width(10);
  p.set_resize_height(8);
  p.set_resize_width(8);
  p.set_resize_method(proto::FaceTransformParameter::AREA);
  p.set_max_rotation_degrees(10);
  p.set_max_scale_change(0.1f);
  p.set_crop_height(6);
  p.set_crop_width(6);
  p.set_mirror(true);
  p.set_brightness(0.2f);
  p.set_contrast(0.2f);
  p.set_saturation(0.2f);
  p.add_mean_value(127.5f);
  p.set_scale(0.0078125f);
  const TransformPipeline pipeline(p, true);
  const PreparedImage prepared = pipeline.prepare(face);
  ASSERT_TRUE(prepared.is_float());
  EXPECT_EQ(prepared.bytes(), 8u * 8 * 3 * sizeof(float));
  EXPECT_EQ(pipeline.prepared_bytes(), int64_t{8 * 8 * 3 * sizeof(float)});
  const float mean = 127.5f;
  int mirrored = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    // The documented order, step by step, each drawing from one generator.
    Rng by_hand(seed);
    FloatImage x = resize(to_float(center_crop(face, 10, 10)), 8, 8, ResizeMethod::area);
    x = random_crop(random_rotate_scale(x, 10, 0.1f, by_hand), 6, 6, by_hand);
    if (by_hand.bernoulli(0.5)) {
      mirror_in_place(x);
      ++mirrored;
    }
    color_jitter(x, {0.2f, 0.2f, 0.2f}, by_hand);
    normalize(x, std::span(&mean, 1), 0.0078125f);
    Rng rng(seed);
    EXPECT_EQ(pipeline.apply(prepared, rng).pixels, x.pixels) << "seed " << seed;
  }
  EXPECT_GT(mirrored, 0);
  EXPECT_LT(mirrored, 12);

  // Nothing before the crop needs floats: the prepared image stays 8-bit.
  p.clear_resize_height();
  p.clear_resize_width();
  p.clear_max_rotation_degrees();
  p.clear_max_scale_change();
  const TransformPipeline eight_bit(p, true);
  const PreparedImage pixels = eight_bit.prepare(face);
  ASSERT_FALSE(pixels.is_float());
  EXPECT_EQ(eight_bit.prepared_bytes(), int64_t{10 * 10 * 3});
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Rng by_hand(seed);
    FloatImage x = to_float(random_crop(center_crop(face, 10, 10), 6, 6, by_hand));
    if (by_hand.bernoulli(0.5)) mirror_in_place(x);
    color_jitter(x, {0.2f, 0.2f, 0.2f}, by_hand);
    normalize(x, std::span(&mean, 1), 0.0078125f);
    Rng rng(seed);
    EXPECT_EQ(eight_bit.apply(pixels, rng).pixels, x.pixels) << "seed " << seed;
  }
  // Without a precrop or a resize, the prepared size is the image's.
  p.clear_precrop_height();
  p.clear_precrop_width();
  EXPECT_EQ(TransformPipeline(p, true).prepared_bytes(), std::nullopt);
}

TEST(TransformPipeline, WritesPlanarChannels) {
  proto::FaceTransformParameter p;  // RGB, no geometry, no normalisation
  const TransformPipeline pipeline(p, true);
  Image rgb(1, 2, 3);
  rgb.pixels = {1, 2, 3, 4, 5, 6};
  Rng rng(1);
  std::vector<float> out(6);
  pipeline.apply_chw(rgb, rng, out);
  EXPECT_EQ(out, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  std::vector<float> wrong(5);
  EXPECT_THROW(pipeline.apply_chw(rgb, rng, wrong), Error);
}

TEST(TransformPipeline, RejectsInconsistentSettings) {
  proto::FaceTransformParameter p;
  p.set_crop_height(10);
  EXPECT_THROW(TransformPipeline(p, true), Error);
  proto::FaceTransformParameter q;
  q.set_standardize(true);
  q.add_mean_value(1);
  EXPECT_THROW(TransformPipeline(q, true), Error);
}

TEST(TransformPipeline, TranslatesCaffeTransformParam) {
  proto::TransformationParameter caffe;
  caffe.set_crop_size(224);
  caffe.set_mirror(true);
  caffe.set_scale(0.5f);
  caffe.add_mean_value(104);
  caffe.set_force_gray(true);
  const proto::FaceTransformParameter p = from_caffe_transform(caffe, 3);
  EXPECT_EQ(p.channels(), 1u);
  EXPECT_EQ(p.crop_height(), 224u);
  EXPECT_EQ(p.crop_width(), 224u);
  EXPECT_TRUE(p.mirror());
  EXPECT_FLOAT_EQ(p.scale(), 0.5f);
  EXPECT_FLOAT_EQ(p.mean_value(0), 104);
  caffe.set_mean_file("mean.binaryproto");
  EXPECT_THROW(from_caffe_transform(caffe, 3), Error);
}

}  // namespace
}  // namespace visage::data
