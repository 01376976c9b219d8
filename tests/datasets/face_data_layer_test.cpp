#include <gtest/gtest.h>

#include <set>

#include "layers/face_data.hpp"
#include "tests/datasets/dataset_test_support.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage {
namespace {

using data::testing::pattern_image;
using data::testing::ScratchDir;
using visage::testing::make_layer;
using visage::testing::TensorList;

// Four identities of 8 x 8 PNGs; identity i's images have first pixel 50 i + j.
void write_dataset(const ScratchDir& dir) {
  for (int i = 0; i < 4; ++i) {
    const std::string name = "person_" + std::to_string(i);
    std::filesystem::create_directories(dir / name);
    for (int j = 0; j < 2 + i; ++j) {
      data::write_image(pattern_image(8, 8, 50 * i + j),
                        dir.path() / name / (name + "_" + std::to_string(j) + ".png"));
    }
  }
}

std::string face_data(const ScratchDir& dir, const std::string& extra) {
  return "name: 'data' type: 'FaceData' top: 'data' top: 'label' face_data_param { source: '" +
         dir.path().string() + "' identities_per_batch: 2 images_per_identity: 2 seed: 5 " +
         "prefetch_threads: 2 } face_transform_param { crop_height: 6 crop_width: 6 mirror: true " +
         "scale: 0.00390625 " + extra + "}";
}

TEST(FaceDataLayer, ProducesPxKBatchesFromIdentityFolders) {
  ScratchDir dir("visage_face_data");
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
  ScratchDir dir("visage_face_data_resume");
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

TEST(FaceDataLayer, PlainBatchesAndBadImagesAreCounted) {
  ScratchDir dir("visage_face_data_plain");
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

TEST(ImageDataLayer, ReadsCaffeListsWithResize) {
  ScratchDir dir("visage_image_data");
  write_dataset(dir);
  data::testing::write_text(dir / "list.txt",
                            "person_1/person_1_0.png 7\nperson_0/person_0_1.png 3\n");
  Context ctx = Context::cpu(1);
  auto layer = make_layer(
      "name: 'd' type: 'ImageData' top: 'data' top: 'label' image_data_param { "
      "source: '" +
      (dir / "list.txt").string() + "' root_folder: '" + dir.path().string() +
      "/' batch_size: 3 new_height: 4 new_width: 4 "
      "is_color: false } transform_param { scale: 2 }");
  TensorList bottom;
  TensorList top(2);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{3, 1, 4, 4}));
  layer->forward(ctx, bottom, top);
  const auto labels = top[1].data();
  EXPECT_EQ(std::vector<float>(labels.begin(), labels.end()), (std::vector<float>{7, 3, 7}));
}

}  // namespace
}  // namespace visage
