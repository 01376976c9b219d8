#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

#include "datasets/image_io.hpp"
#include "layers/face_data.hpp"
#include "tests/datasets/dataset_test_support.hpp"
#include "tests/support/gradient_check.hpp"
#include "tests/support/redirected_stream.hpp"

namespace visage {
namespace {

using data::testing::pattern_image;
using visage::testing::make_layer;
using visage::testing::TempFolder;
using visage::testing::TensorList;

// Four identities of 8 x 8 PNGs; identity i's images have first pixel 50 i + j.
void write_dataset(const TempFolder& dir) {
  for (int i = 0; i < 4; ++i) {
    const std::string name = "person_" + std::to_string(i);
    std::filesystem::create_directories(dir / name);
    for (int j = 0; j < 2 + i; ++j) {
      data::write_image(pattern_image(8, 8, 50 * i + j),
                        dir.path() / name / (name + "_" + std::to_string(j) + ".png"));
    }
  }
}

std::string face_data(const TempFolder& dir, const std::string& extra) {
  return "name: 'data' type: 'FaceData' top: 'data' top: 'label' face_data_param { source: '" +
         dir.path().string() + "' identities_per_batch: 2 images_per_identity: 2 seed: 5 " +
         "prefetch_threads: 2 } face_transform_param { crop_height: 6 crop_width: 6 mirror: true " +
         "scale: 0.00390625 " + extra + "}";
}

TEST(FaceDataLayer, ProducesPxKBatchesFromIdentityFolders) {
  TempFolder dir;
  write_dataset(dir);
  Context ctx = Context::cpu(1);
  auto layer = make_layer(face_data(dir, ""));
  TensorList bottom;
  TensorList top(2);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{4, 3, 6, 6}));
  EXPECT_EQ(top[1].shape(), (Shape{4}));
  for (int iteration = 0; iteration < 5; ++iteration) {
    layer->forward(ctx, bottom, top);
    const auto labels = top[1].data();
    EXPECT_EQ(labels[0], labels[1]);
    EXPECT_EQ(labels[2], labels[3]);
    EXPECT_NE(labels[0], labels[2]);
    for (float label : labels) {
      EXPECT_GE(label, 0);
      EXPECT_LT(label, 4);
    }
    for (float v : top[0].data()) {
      EXPECT_GE(v, 0.0f);
      EXPECT_LE(v, 1.0f);
    }
  }
}

TEST(FaceDataLayer, ResumedLayerSeesTheSameBatches) {
  TempFolder dir;
  write_dataset(dir);
  Context ctx = Context::cpu(1);
  TensorList bottom;
  auto first = make_layer(face_data(dir, ""));
  TensorList top(2);
  first->setup(ctx, bottom, top);
  first->forward(ctx, bottom, top);
  const std::string state = first->save_state();
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < 3; ++i) {
    first->forward(ctx, bottom, top);
    expected.emplace_back(top[0].data().begin(), top[0].data().end());
  }
  auto resumed = make_layer(face_data(dir, ""));
  TensorList top2(2);
  resumed->setup(ctx, bottom, top2);
  resumed->load_state(state);
  for (const auto& batch : expected) {
    resumed->forward(ctx, bottom, top2);
    EXPECT_EQ(std::vector<float>(top2[0].data().begin(), top2[0].data().end()), batch);
  }
  EXPECT_THROW(resumed->load_state("garbage"), Error);
}

TEST(FaceDataLayer, KeepsPreparedImagesWithinItsMemoryWithTheSameBatches) {
  TempFolder dir;
  write_dataset(dir);
  const auto layer_with = [&](const std::string& cache) {
    return "name: 'data' type: 'FaceData' top: 'data' top: 'label' face_data_param { source: '" +
           dir.path().string() + "' identities_per_batch: 2 images_per_identity: 2 seed: 5 " +
           cache + " } face_transform_param { resize_height: 7 resize_width: 7 " +
           "crop_height: 6 crop_width: 6 mirror: true max_rotation_degrees: 10 }";
  };
  Context ctx = Context::cpu(1);
  TensorList bottom;
  const auto batches = [&](const std::string& cache, std::string* setup_lines) {
    auto layer = make_layer(layer_with(cache));
    TensorList top(2);
    std::ostringstream log;
    {
      const visage::testing::RedirectedStream clog(std::clog, log);
      layer->setup(ctx, bottom, top);
    }
    *setup_lines = log.str();
    std::vector<std::vector<float>> out;
    for (int i = 0; i < 6; ++i) {
      layer->forward(ctx, bottom, top);
      out.emplace_back(top[0].data().begin(), top[0].data().end());
    }
    return out;
  };
  std::string plain_setup;
  std::string cached_setup;
  EXPECT_EQ(batches("cache_megabytes: 1", &cached_setup), batches("", &plain_setup));
  EXPECT_EQ(plain_setup.find("kept in memory"), std::string::npos) << plain_setup;
  // 7 x 7 x 3 floats, 588 bytes, each.
  EXPECT_NE(
      cached_setup.find("prepared images kept in memory, up to 1 MB at 1 KB each: all 14 fit"),
      std::string::npos)
      << cached_setup;
  // A budget past what the images need costs nothing; one past the machine's memory, for images
  // whose prepared size depends on each image (no precrop or resize), is refused.
  (void)batches("cache_megabytes: 4000000000", &cached_setup);
  EXPECT_NE(cached_setup.find("all 14 fit"), std::string::npos) << cached_setup;
  auto absurd = make_layer(
      "name: 'data' type: 'FaceData' top: 'data' top: 'label' face_data_param { source: '" +
      dir.path().string() +
      "' identities_per_batch: 2 images_per_identity: 2 cache_megabytes: 4000000000 } "
      "face_transform_param { crop_height: 6 crop_width: 6 }");
  TensorList top(2);
  try {
    absurd->setup(ctx, bottom, top);
    ADD_FAILURE() << "a 4 PB cache was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("face_data_param.cache_megabytes is 4000000000 MB, more "
                                         "than this machine's memory"),
              std::string::npos)
        << e.what();
  }
}

TEST(FaceDataLayer, PlainBatchesAndBadImagesAreCounted) {
  TempFolder dir;
  write_dataset(dir);
  data::testing::write_text(dir / "person_3/person_3_9.png", "not really a png");
  Context ctx = Context::cpu(1);
  auto layer = make_layer("name: 'd' type: 'FaceData' top: 'data' face_data_param { source: '" +
                          dir.path().string() + "' batch_size: 7 shuffle: false }");
  TensorList bottom;
  TensorList top(1);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{7, 3, 8, 8}));
  layer->forward(ctx, bottom, top);
  // In folder order, unaugmented: person_0's first image, whose pixel (y, x, c) is
  // 10 y + x + 100 c, laid out channel by channel.
  EXPECT_EQ(top[0].data()[0], 0);
  EXPECT_EQ(top[0].data()[1], 1);
  EXPECT_EQ(top[0].data()[8], 10);
  EXPECT_EQ(top[0].data()[64], 100);
  for (int i = 0; i < 2; ++i) layer->forward(ctx, bottom, top);  // 21 > 15 images: all read
  EXPECT_EQ(static_cast<PrefetchingDataLayer&>(*layer).skipped_images(), 1u);
}

// A grey image whose pixels follow no linear pattern, so that any other resampling (nearest, area,
// misaligned centres) gives other values.
data::Image grey_pattern(int height, int width) {
  data::Image image(height, width, 1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at(y, x, 0) = static_cast<uint8_t>((37 * y * y + 11 * x * x + 5 * x * y) % 256);
    }
  }
  return image;
}

// Caffe's resize (OpenCV's INTER_LINEAR): each output pixel's centre is mapped onto the input,
// clamped to its edges, and the two nearest rows and columns are blended. Written out here rather
// than taken from datasets/transforms.cpp, so the layer is not checked against itself.
std::vector<float> bilinear_reference(const data::Image& image, int height, int width) {
  const auto source = [](int out, int in_size, int out_size) {
    return std::clamp((out + 0.5) * in_size / out_size - 0.5, 0.0, in_size - 1.0);
  };
  const auto at = [&](int y, int x) { return static_cast<double>(image.at(y, x, 0)); };
  std::vector<float> out;
  for (int y = 0; y < height; ++y) {
    const double sy = source(y, image.height, height);
    const int y0 = static_cast<int>(sy);
    const int y1 = std::min(y0 + 1, image.height - 1);
    const double fy = sy - y0;
    for (int x = 0; x < width; ++x) {
      const double sx = source(x, image.width, width);
      const int x0 = static_cast<int>(sx);
      const int x1 = std::min(x0 + 1, image.width - 1);
      const double fx = sx - x0;
      const double top = (1 - fx) * at(y0, x0) + fx * at(y0, x1);
      const double bottom = (1 - fx) * at(y1, x0) + fx * at(y1, x1);
      out.push_back(static_cast<float>((1 - fy) * top + fy * bottom));
    }
  }
  return out;
}

TEST(ImageDataLayer, ReadsCaffeListsWithResize) {
  TempFolder dir;
  // Two sizes, neither a multiple of the output's, both resized to 3 x 5.
  const data::Image tall = grey_pattern(8, 7);
  const data::Image wide = grey_pattern(6, 11);
  data::write_image(tall, dir / "tall.png");
  data::write_image(wide, dir / "wide.png");
  data::testing::write_text(dir / "list.txt", "tall.png 7\nwide.png 3\n");
  Context ctx = Context::cpu(1);
  auto layer = make_layer(
      "name: 'd' type: 'ImageData' top: 'data' top: 'label' image_data_param { "
      "source: '" +
      (dir / "list.txt") + "' root_folder: '" + dir.path().string() +
      "/' batch_size: 3 new_height: 3 new_width: 5 "
      "is_color: false } transform_param { scale: 2 }");
  TensorList bottom;
  TensorList top(2);
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(top[0].shape(), (Shape{3, 1, 3, 5}));
  layer->forward(ctx, bottom, top);
  const auto labels = top[1].data();
  EXPECT_EQ(std::vector<float>(labels.begin(), labels.end()), (std::vector<float>{7, 3, 7}));
  // In list order (no shuffle), wrapping round: tall, wide, tall; each scaled by 2.
  const auto data = top[0].data();
  const data::Image* images[] = {&tall, &wide, &tall};
  for (size_t n = 0; n < 3; ++n) {
    const std::vector<float> expected = bilinear_reference(*images[n], 3, 5);
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(data[n * 15 + i], 2 * expected[i], 1e-3f) << "image " << n << " value " << i;
    }
  }
}

}  // namespace
}  // namespace visage
