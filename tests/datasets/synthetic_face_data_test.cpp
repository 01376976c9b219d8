// The SyntheticFaceData layer: batch composition, labels, normalisation, exact resume.
#include "layers/synthetic_face_data.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "core/registry.hpp"
#include "solvers/builtin_layers.hpp"
#include "synthetic/face.hpp"
#include "tests/support/face_config.hpp"

namespace visage {
namespace {

using testing::face_config;

// A configured layer with its two tops.
struct FaceLayer {
  explicit FaceLayer(const std::string& synthetic_face_data_param) {
    proto::LayerParameter param;
    const std::string text =
        "name: 'faces' type: 'SyntheticFaceData' top: 'data' top: 'label' "
        "synthetic_face_data_param { " +
        synthetic_face_data_param + " }";
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &param)) << text;
    layer = builtin_layers().create(param);
    layer->setup(ctx, {}, tops());
  }
  std::vector<Tensor*> tops() { return {&data, &label}; }
  void forward() { layer->forward(ctx, {}, tops()); }
  std::vector<float> labels() const { return {label.data().begin(), label.data().end()}; }
  std::vector<float> pixels() const { return {data.data().begin(), data.data().end()}; }

  Context ctx = Context::cpu();
  Tensor data, label;
  std::unique_ptr<Layer> layer;
};

constexpr const char* kTriplets =
    "seed: 4 size: 16 identities: 50 first_identity: 1000 identities_per_batch: 3 "
    "images_per_identity: 4";

TEST(SyntheticFaceData, BalancedBatchesHoldPDistinctIdentitiesOfKImagesEach) {
  FaceLayer faces(kTriplets);
  EXPECT_EQ(faces.data.shape(), (Shape{12, 3, 16, 16}));
  EXPECT_EQ(faces.label.shape(), (Shape{12}));
  auto& layer = dynamic_cast<SyntheticFaceDataLayer&>(*faces.layer);
  std::set<float> labels_seen;
  for (int batch = 0; batch < 5; ++batch) {
    faces.forward();
    const std::vector<float> labels = faces.labels();
    std::map<float, int> per_identity;
    for (const float l : labels) {
      ASSERT_EQ(l, std::floor(l));
      ASSERT_GE(l, 0);
      ASSERT_LT(l, 50);
      ++per_identity[l];
      labels_seen.insert(l);
    }
    EXPECT_EQ(per_identity.size(), 3u) << "batch " << batch;
    for (const auto& [label, count] : per_identity) EXPECT_EQ(count, 4) << "label " << label;
    // The K images of an identity are distinct draws, consecutive in the batch.
    const std::vector<SyntheticDraw> plan = layer.plan_batch(batch);
    for (size_t i = 0; i < plan.size(); ++i) {
      EXPECT_EQ(static_cast<float>(plan[i].label), labels[i]);
      if (i % 4 != 0) {
        EXPECT_EQ(plan[i].label, plan[i - 1].label);
      }
      for (size_t j = i + 1; j < plan.size(); ++j) {
        if (plan[i].label == plan[j].label) {
          EXPECT_NE(plan[i].index, plan[j].index);
        }
      }
    }
  }
  EXPECT_GT(labels_seen.size(), 6u);  // batches draw different identities
}

TEST(SyntheticFaceData, DataIsTheGeneratorsFaceNormalisedChannelFirst) {
  FaceLayer faces(kTriplets);
  faces.forward();
  const auto& layer = dynamic_cast<const SyntheticFaceDataLayer&>(*faces.layer);
  const SyntheticDraw first = layer.plan_batch(0)[0];
  const synthetic::FaceImage image =
      synthetic::render_face(face_config(4, 16), 1000 + first.label, first.index);
  const std::vector<float> data = faces.pixels();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 16; y += 5) {
      for (int x = 0; x < 16; x += 3) {
        EXPECT_FLOAT_EQ(data[static_cast<size_t>((c * 16 + y) * 16 + x)],
                        (image.at(y, x, c) - 0.5f) / 0.25f);
      }
    }
  }
}

TEST(SyntheticFaceData, PooledImagesAreTheEightBitFacesOfVisageSynthAndRepeatExactly) {
  const std::string pooled = std::string(kTriplets) + " images_per_identity_pool: 5";
  FaceLayer faces(pooled);
  const auto& layer = dynamic_cast<const SyntheticFaceDataLayer&>(*faces.layer);
  for (int batch = 0; batch < 3; ++batch) {
    faces.forward();
    const std::vector<float> data = faces.pixels();
    const std::vector<SyntheticDraw> plan = layer.plan_batch(batch);
    for (size_t n = 0; n < plan.size(); ++n) {
      ASSERT_LT(plan[n].index, 5);
      const synthetic::FaceImage image =
          synthetic::render_face(face_config(4, 16), 1000 + plan[n].label, plan[n].index);
      for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 16; y += 3) {
          for (int x = 0; x < 16; x += 5) {
            const float byte = synthetic::face_pixel_byte(image.at(y, x, c));
            ASSERT_NEAR(data[n * 768 + static_cast<size_t>((c * 16 + y) * 16 + x)],
                        (byte / 255.0f - 0.5f) / 0.25f, 1e-6)
                << "batch " << batch << " image " << n;
          }
        }
      }
    }
  }
  // A second layer renders the same images afresh: the cache changes nothing but the time.
  FaceLayer fresh(pooled);
  fresh.forward();
  fresh.forward();
  fresh.forward();
  EXPECT_EQ(fresh.pixels(), faces.pixels());
}

// DeepFace's classification error needs unseen images of the training identities: a layer with
// first_image = the training pool's size draws generator images from there on, and only those.
TEST(SyntheticFaceData, FirstImageHoldsOutTheImagesAfterTheTrainingPool) {
  FaceLayer heldout(std::string(kTriplets) + " images_per_identity_pool: 4 first_image: 5");
  const auto& layer = dynamic_cast<const SyntheticFaceDataLayer&>(*heldout.layer);
  heldout.forward();
  const std::vector<float> data = heldout.pixels();
  const std::vector<SyntheticDraw> plan = layer.plan_batch(0);
  for (size_t n = 0; n < plan.size(); ++n) {
    ASSERT_LT(plan[n].index, 4);
    for (const int64_t generator_image : {plan[n].index, plan[n].index + 5}) {
      const synthetic::FaceImage image =
          synthetic::render_face(face_config(4, 16), 1000 + plan[n].label, generator_image);
      double difference = 0.0;
      for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 16; ++y) {
          for (int x = 0; x < 16; ++x) {
            const float byte = synthetic::face_pixel_byte(image.at(y, x, c));
            difference += std::abs(data[n * 768 + static_cast<size_t>((c * 16 + y) * 16 + x)] -
                                   (byte / 255.0f - 0.5f) / 0.25f);
          }
        }
      }
      // Image index + 5 is the one shown; index itself (a training image) is not.
      if (generator_image == plan[n].index + 5) {
        EXPECT_LT(difference, 1e-3) << "image " << n;
      } else {
        EXPECT_GT(difference, 1.0) << "image " << n;
      }
    }
  }
}

TEST(SyntheticFaceData, UniformBatchesStayInTheRange) {
  FaceLayer faces("size: 12 channels: 1 identities: 7 first_identity: 3 batch_size: 30");
  EXPECT_EQ(faces.data.shape(), (Shape{30, 1, 12, 12}));
  faces.forward();
  std::set<float> distinct;
  for (const float l : faces.labels()) {
    EXPECT_GE(l, 0);
    EXPECT_LT(l, 7);
    distinct.insert(l);
  }
  EXPECT_GT(distinct.size(), 3u);
}

TEST(SyntheticFaceData, ResumingFromSavedStateRepeatsTheStreamExactly) {
  FaceLayer original(kTriplets);
  original.forward();
  original.forward();
  const std::string state = original.layer->save_state();
  original.forward();
  const std::vector<float> expected_pixels = original.pixels();
  const std::vector<float> expected_labels = original.labels();

  FaceLayer resumed(kTriplets);
  resumed.layer->load_state(state);
  resumed.forward();
  EXPECT_EQ(resumed.pixels(), expected_pixels);
  EXPECT_EQ(resumed.labels(), expected_labels);
  EXPECT_THROW(resumed.layer->load_state("hdf5_data_v1 3"), Error);
}

TEST(SyntheticFaceData, ThreadCountDoesNotChangeAPixel) {
  FaceLayer one(std::string(kTriplets) + " threads: 1");
  FaceLayer three(std::string(kTriplets) + " threads: 3");
  one.forward();
  three.forward();
  EXPECT_EQ(one.pixels(), three.pixels());
}

// render_face()'s image as the data top stores it: channel first, (x - 0.5) / 0.25.
std::vector<float> stored_face(const synthetic::SyntheticFaceConfig& config, int64_t identity,
                               int64_t index) {
  const synthetic::FaceImage image = synthetic::render_face(config, identity, index);
  std::vector<float> stored;
  for (int c = 0; c < image.channels; ++c) {
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) stored.push_back((image.at(y, x, c) - 0.5f) / 0.25f);
    }
  }
  return stored;
}

TEST(SyntheticFaceData, DisjointRangesGiveDisjointIdentities) {
  constexpr int kFirst[] = {0, 20};
  constexpr size_t kImageFloats = 3 * 8 * 8;
  const synthetic::SyntheticFaceConfig config = face_config(1, 8);  // the layers' default seed
  std::set<int64_t> identities[2];
  std::set<int> labels[2];
  for (int range = 0; range < 2; ++range) {
    FaceLayer layer(
        concat("size: 8 identities: 20 first_identity: ", kFirst[range], " batch_size: 4"));
    const auto& faces = dynamic_cast<const SyntheticFaceDataLayer&>(*layer.layer);
    for (int batch = 0; batch < 3; ++batch) {
      layer.forward();
      const std::vector<float> pixels = layer.pixels();
      const std::vector<SyntheticDraw> plan = faces.plan_batch(batch);
      for (size_t n = 0; n < plan.size(); ++n) {
        const int label = plan[n].label;
        ASSERT_EQ(layer.labels()[n], static_cast<float>(label));
        const std::vector<float> image(pixels.begin() + n * kImageFloats,
                                       pixels.begin() + (n + 1) * kImageFloats);
        // The face is that of identity first_identity + label, not the other range's same label.
        EXPECT_EQ(image, stored_face(config, kFirst[range] + label, plan[n].index))
            << "range " << range << " batch " << batch << " image " << n;
        EXPECT_NE(image, stored_face(config, kFirst[1 - range] + label, plan[n].index))
            << "range " << range << " batch " << batch << " image " << n;
        identities[range].insert(kFirst[range] + label);
        labels[range].insert(label);
      }
    }
  }
  // The labels overlap (both count from 0), the identities behind them do not.
  std::vector<int> shared_labels;
  std::ranges::set_intersection(labels[0], labels[1], std::back_inserter(shared_labels));
  EXPECT_FALSE(shared_labels.empty());
  std::vector<int64_t> shared_identities;
  std::ranges::set_intersection(identities[0], identities[1],
                                std::back_inserter(shared_identities));
  EXPECT_TRUE(shared_identities.empty());
  EXPECT_LT(*identities[0].rbegin(), 20);
  EXPECT_GE(*identities[1].begin(), 20);
}

TEST(SyntheticFaceData, ConfigMistakesAreNamed) {
  proto::LayerParameter param;
  google::protobuf::TextFormat::ParseFromString(
      "name: 'faces' type: 'SyntheticFaceData' top: 'data' synthetic_face_data_param { identities: "
      "2 "
      "identities_per_batch: 3 images_per_identity: 2 }",
      &param);
  auto layer = builtin_layers().create(param);
  Context ctx = Context::cpu();
  Tensor data;
  std::vector<Tensor*> tops{&data};
  try {
    layer->setup(ctx, {}, tops);
    FAIL() << "3 distinct identities out of 2 were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'faces'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("distinct identities"), std::string::npos) << e.what();
  }
  param.mutable_synthetic_face_data_param()->set_identities_per_batch(0);
  auto no_batch = builtin_layers().create(param);
  EXPECT_THROW(no_batch->setup(ctx, {}, tops), Error);
}

}  // namespace
}  // namespace visage
