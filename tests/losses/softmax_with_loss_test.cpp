#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// Scores [[1 2 3] [0 0 0]]: softmax rows [.0900306 .2447285 .6652410] and [1/3 1/3 1/3].
constexpr float kLossRow0Label2 = 0.4076059f;  // -log(.6652410)
constexpr float kLossRow1 = 1.0986123f;        // -log(1/3)

struct LossRun {
  std::unique_ptr<Layer> layer;
  TensorList bottom{std::vector<Shape>{{2, 3}, {2}}};
  TensorList top;
};

LossRun run_forward(const std::string& loss_settings, const std::vector<float>& labels,
                    int tops = 1) {
  auto ctx = Context::cpu();
  LossRun run;
  run.layer = make_layer("name: 'loss' type: 'SoftmaxWithLoss' " + loss_settings);
  run.top = TensorList(tops);
  set_values(run.bottom[0], {1, 2, 3, 0, 0, 0});
  set_values(run.bottom[1], labels);
  run.layer->setup(ctx, run.bottom, run.top);
  run.layer->forward(ctx, run.bottom, run.top);
  return run;
}

float loss_of(const std::string& loss_settings, const std::vector<float>& labels) {
  return run_forward(loss_settings, labels).top[0].data()[0];
}

TEST(SoftmaxWithLoss, IsALossThatCannotBackPropagateToLabels) {
  auto layer = make_layer("name: 'loss' type: 'SoftmaxWithLoss'");
  EXPECT_TRUE(layer->is_loss());
  EXPECT_TRUE(layer->can_backward_to(0));
  EXPECT_FALSE(layer->can_backward_to(1));
}

TEST(SoftmaxWithLoss, ForwardMatchesHandComputedLoss) {
  EXPECT_NEAR(loss_of("", {2, 0}), (kLossRow0Label2 + kLossRow1) / 2, 1e-6f);
  EXPECT_NEAR(loss_of("", {0, 1}), (-std::log(0.0900306f) + kLossRow1) / 2, 1e-6f);
}

// Row 1 ignored: one valid position out of two, batch of two.
TEST(SoftmaxWithLoss, IgnoreLabelAndNormalizationModes) {
  const std::vector<float> labels = {2, -1};
  const std::string ignore = "loss_param { ignore_label: -1 ";
  EXPECT_NEAR(loss_of(ignore + "}", labels), kLossRow0Label2, 1e-6f);  // VALID by default
  EXPECT_NEAR(loss_of(ignore + "normalization: VALID }", labels), kLossRow0Label2, 1e-6f);
  EXPECT_NEAR(loss_of(ignore + "normalization: FULL }", labels), kLossRow0Label2 / 2, 1e-6f);
  EXPECT_NEAR(loss_of(ignore + "normalization: BATCH_SIZE }", labels), kLossRow0Label2 / 2, 1e-6f);
  EXPECT_NEAR(loss_of(ignore + "normalization: NONE }", labels), kLossRow0Label2, 1e-6f);
  // Legacy `normalize`: true means VALID, false BATCH_SIZE.
  EXPECT_NEAR(loss_of(ignore + "normalize: true }", labels), kLossRow0Label2, 1e-6f);
  EXPECT_NEAR(loss_of(ignore + "normalize: false }", labels), kLossRow0Label2 / 2, 1e-6f);
  // Every position ignored: zero loss, not a division by zero.
  EXPECT_EQ(loss_of(ignore + "}", {-1, -1}), 0.0f);
}

// d loss / d score = (p - onehot) * loss_weight / normalizer; ignored rows get nothing.
TEST(SoftmaxWithLoss, BackwardScalesByTheLossWeightInTheTopDiff) {
  auto ctx = Context::cpu();
  LossRun run = run_forward("loss_param { ignore_label: -1 normalization: FULL }", {2, -1});
  run.top[0].mutable_diff()[0] = 3.0f;  // the Net writes the loss weight here
  std::ranges::fill(run.bottom[0].mutable_diff(), 99.0f);
  run.layer->backward(ctx, run.top, {true, false}, run.bottom);
  const float scale = 3.0f / 2;  // FULL: two positions
  const std::vector<float> expected = {
      0.0900306f * scale, 0.2447285f * scale, (0.6652410f - 1) * scale, 0, 0, 0};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(run.bottom[0].diff()[i], expected[i], 1e-6f) << i;
  }
  EXPECT_THROW(run.layer->backward(ctx, run.top, {true, true}, run.bottom), Error);
}

TEST(SoftmaxWithLoss, SecondTopHoldsTheProbabilities) {
  LossRun run = run_forward("", {2, 0}, 2);
  ASSERT_EQ(run.top[1].shape(), (Shape{2, 3}));
  const std::vector<float> expected = {0.0900306f, 0.2447285f, 0.6652410f,
                                       1 / 3.f,    1 / 3.f,    1 / 3.f};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(run.top[1].data()[i], expected[i], 1e-6f) << i;
  }
}

TEST(SoftmaxWithLoss, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape scores;
    Shape labels;
    int tops;
  };
  const std::vector<Case> cases = {
      {"", {3, 4}, {3}, 1},
      {"", {1, 5}, {1}, 1},
      // Spatial: classes on axis 1 of (2 x 3 x 2 x 2), a label per pixel, some ignored.
      {"loss_param { ignore_label: 1 normalization: FULL }", {2, 3, 2, 2}, {2, 1, 2, 2}, 1},
      {"loss_param { ignore_label: 0 normalization: VALID }", {2, 3, 2, 2}, {2, 2, 2}, 1},
      {"loss_param { normalization: BATCH_SIZE } softmax_param { axis: -1 }", {2, 3, 4}, {2, 3}, 2},
      {"loss_param { normalization: NONE }", {4, 3}, {4}, 1},
  };
  for (const auto& c : cases) {
    auto ctx = Context::cpu();
    auto layer = make_layer("name: 'loss' type: 'SoftmaxWithLoss' " + c.settings);
    TensorList bottom({c.scores, c.labels}), top(c.tops);
    fill_gaussian(bottom[0], 17, 0.0f, 2.0f);
    fill_labels(bottom[1], 18,
                static_cast<int>(c.settings.find("axis: -1") != std::string::npos ? c.scores.back()
                                                                                  : c.scores[1]));
    layer->setup(ctx, bottom, top);
    // Caffe's probability top carries no gradient: only the loss enters the objective.
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.objective_tops = {0}})) << c.settings;
  }
}

TEST(SoftmaxWithLoss, LabelOutOfRangeNamesTheLabelAndTheClassCount) {
  try {
    run_forward("", {2, 3});
    FAIL() << "label 3 of 3 classes accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'loss' (SoftmaxWithLoss)"), HasSubstr("label 3"),
                                HasSubstr("3 classes")));
  }
}

TEST(SoftmaxWithLoss, LabelCountMismatchNamesBothShapes) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'loss' type: 'SoftmaxWithLoss'");
  TensorList bottom({{4, 3}, {3}}), top(1);
  try {
    layer->setup(ctx, bottom, top);
    FAIL() << "3 labels for 4 examples accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'loss'"), HasSubstr("(3)"), HasSubstr("(4 x 3)")));
  }
}

}  // namespace
}  // namespace visage::testing
