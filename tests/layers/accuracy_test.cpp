#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

// Four examples, three classes. Ranks of the labelled class: 1st, 2nd, 3rd, 1st.
const std::vector<float> kScores = {0.9f, 0.05f, 0.05f,  // label 0: top-1 hit
                                    0.5f, 0.3f,  0.2f,   // label 1: second
                                    0.6f, 0.3f,  0.1f,   // label 2: last
                                    0.1f, 0.2f,  0.7f};  // label 2: top-1 hit
const std::vector<float> kLabels = {0, 1, 2, 2};

TensorList accuracy_of(const std::string& settings, const std::vector<float>& labels,
                       int tops = 1) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'acc' type: 'Accuracy' " + settings);
  TensorList bottom({{4, 3}, {4}}), top(tops);
  set_values(bottom[0], kScores);
  set_values(bottom[1], labels);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  return top;
}

TEST(Accuracy, TopKOnHandPickedScores) {
  EXPECT_FLOAT_EQ(accuracy_of("", kLabels)[0].data()[0], 0.5f);
  EXPECT_FLOAT_EQ(accuracy_of("accuracy_param { top_k: 2 }", kLabels)[0].data()[0], 0.75f);
  EXPECT_FLOAT_EQ(accuracy_of("accuracy_param { top_k: 3 }", kLabels)[0].data()[0], 1.0f);
}

TEST(Accuracy, PerClassSecondTop) {
  const auto top = accuracy_of("", kLabels, 2);
  ASSERT_EQ(top[1].shape(), (Shape{3}));
  EXPECT_THAT(top[1].data(), ElementsAre(FloatEq(1.0f), FloatEq(0.0f), FloatEq(0.5f)));
}

TEST(Accuracy, IgnoredPositionsCountNeitherWay) {
  // Of the two positions not labelled 1, the first is a hit and the other a miss.
  EXPECT_FLOAT_EQ(accuracy_of("accuracy_param { ignore_label: 1 }", {0, 1, 2, 1})[0].data()[0],
                  0.5f);
  EXPECT_FLOAT_EQ(accuracy_of("accuracy_param { ignore_label: -1 }", {0, -1, -1, 2})[0].data()[0],
                  1.0f);
  EXPECT_FLOAT_EQ(accuracy_of("accuracy_param { ignore_label: 0 }", {0, 0, 0, 0})[0].data()[0],
                  0.0f);
}

TEST(Accuracy, TiesCountAgainstTheLabel) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'acc' type: 'Accuracy'");
  TensorList bottom({{2, 2}, {2}}), top(1);
  set_values(bottom[0], {0.5f, 0.5f, 0.2f, 0.8f});
  set_values(bottom[1], {0, 1});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_FLOAT_EQ(top[0].data()[0], 0.5f);
}

// Classes on axis 1 of (1 x 3 x 2): two positions, labels per position.
TEST(Accuracy, SpatialPositionsAlongTheAxis) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'acc' type: 'Accuracy'");
  TensorList bottom({{1, 3, 2}, {1, 2}}), top(1);
  set_values(bottom[0], {0.1f, 0.7f,    // class 0 at positions 0, 1
                         0.8f, 0.2f,    // class 1
                         0.1f, 0.1f});  // class 2
  set_values(bottom[1], {1, 1});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_FLOAT_EQ(top[0].data()[0], 0.5f);
}

TEST(Accuracy, HasNoGradientAndIsNotALoss) {
  auto layer = make_layer("name: 'acc' type: 'Accuracy'");
  EXPECT_FALSE(layer->is_loss());
  EXPECT_FALSE(layer->can_backward_to(0));
  EXPECT_FALSE(layer->can_backward_to(1));
}

TEST(Accuracy, RejectsBadLabelsAndTopK) {
  try {
    accuracy_of("", {0, 1, 7, 2});
    FAIL() << "label 7 of 3 classes accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'acc' (Accuracy)"), HasSubstr("label 7"),
                                HasSubstr("3 classes")));
  }
  try {
    accuracy_of("accuracy_param { top_k: 4 }", kLabels);
    FAIL() << "top_k 4 of 3 classes accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'acc'"), HasSubstr("top_k 4")));
  }
}

}  // namespace
}  // namespace visage::testing
