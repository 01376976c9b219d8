#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::unique_ptr<Layer> reshape(const std::string& settings) {
  return make_layer("name: 'rs' type: 'Reshape' reshape_param { " + settings + " }");
}

TEST(Reshape, FollowsCaffesShapeRules) {
  struct Case {
    std::string settings;
    Shape expected;
  };
  for (const auto& [settings, expected] : {
           Case{"shape { dim: 0 dim: -1 }", {2, 60}},
           Case{"shape { dim: 6 dim: 20 }", {6, 20}},
           Case{"shape { dim: 0 dim: 0 dim: 2 dim: -1 }", {2, 3, 2, 10}},
           Case{"shape { dim: -1 } axis: 1 num_axes: 2", {2, 12, 5}},
           Case{"shape { dim: 1 } axis: -1 num_axes: 0", {2, 3, 4, 5, 1}},
           Case{"shape { dim: 1 } axis: 0 num_axes: 0", {1, 2, 3, 4, 5}},
           Case{"shape { dim: 0 dim: 5 dim: 1 } axis: 2", {2, 3, 4, 5, 1}},
           Case{"shape { dim: 2 dim: 2 } axis: 2 num_axes: 1", {2, 3, 2, 2, 5}},
       }) {
    auto ctx = Context::cpu();
    auto layer = reshape(settings);
    TensorList bottom({{2, 3, 4, 5}}), top(1);
    layer->setup(ctx, bottom, top);
    EXPECT_EQ(top[0].shape(), expected) << settings;
  }
}

TEST(Reshape, SharesDataAndGradientWithTheBottom) {
  auto ctx = Context::cpu();
  auto layer = reshape("shape { dim: -1 dim: 3 }");
  TensorList bottom({{2, 3, 2}}), top(1);
  fill_gaussian(bottom[0], 9);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{4, 3}));
  EXPECT_EQ(top[0].data().data(), bottom[0].data().data());
  std::ranges::fill(top[0].mutable_diff(), -1.5f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_TRUE(std::ranges::all_of(bottom[0].diff(), [](float g) { return g == -1.5f; }));
}

TEST(Reshape, RejectsTwoInferredDimensions) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3, 4}}), top(1);
  try {
    reshape("shape { dim: -1 dim: 3 dim: -1 }")->setup(ctx, bottom, top);
    FAIL() << "two -1 accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'rs' (Reshape)"), HasSubstr("more than one -1")));
  }
}

TEST(Reshape, RejectsShapesThatDoNotFit) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3, 4}}), top(1);
  try {
    reshape("shape { dim: 5 dim: -1 }")->setup(ctx, bottom, top);
    FAIL() << "24 elements inferred into multiples of 5";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'rs' (Reshape)"), HasSubstr("cannot infer")));
  }
  EXPECT_THROW(reshape("shape { dim: 5 dim: 5 }")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(reshape("shape { dim: -2 }")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(reshape("shape { dim: 0 dim: 0 dim: 0 dim: 0 }")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(reshape("shape { dim: 2 } axis: 4")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(reshape("shape { dim: 2 } axis: 1 num_axes: 3")->setup(ctx, bottom, top), Error);
}

}  // namespace
}  // namespace visage::testing
