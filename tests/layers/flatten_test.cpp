#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::unique_ptr<Layer> flatten(const std::string& settings = "") {
  return make_layer("name: 'flat' type: 'Flatten' flatten_param { " + settings + " }");
}

TEST(Flatten, MergesTheChosenAxes) {
  struct Case {
    std::string settings;
    Shape expected;
  };
  for (const auto& [settings, expected] :
       {Case{"", {2, 60}}, Case{"axis: 1 end_axis: 2", {2, 12, 5}}, Case{"axis: 0", {120}},
        Case{"axis: -2", {2, 3, 20}}, Case{"axis: 2 end_axis: 2", {2, 3, 4, 5}}}) {
    auto ctx = Context::cpu();
    auto layer = flatten(settings);
    TensorList bottom({{2, 3, 4, 5}}), top(1);
    layer->setup(ctx, bottom, top);
    EXPECT_EQ(top[0].shape(), expected) << settings;
  }
}

// Forward and backward are no-ops because the top is a view: values written on either side are
// the other's, so the gradient (the identity) needs no finite-difference check.
TEST(Flatten, SharesDataAndGradientWithTheBottom) {
  auto ctx = Context::cpu();
  auto layer = flatten();
  TensorList bottom({{3, 2, 2}}), top(1);
  fill_gaussian(bottom[0], 4);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_TRUE(std::ranges::equal(top[0].data(), bottom[0].data()));
  fill_gaussian(top[0], 6);  // writes through to the bottom
  EXPECT_TRUE(std::ranges::equal(top[0].data(), bottom[0].data()));
  std::ranges::fill(top[0].mutable_diff(), 2.5f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_TRUE(std::ranges::all_of(bottom[0].diff(), [](float g) { return g == 2.5f; }));

  // After the bottom grows, the top follows it.
  bottom[0].reshape({5, 2, 2});
  fill_gaussian(bottom[0], 7);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{5, 4}));
  EXPECT_TRUE(std::ranges::equal(top[0].data(), bottom[0].data()));
}

TEST(Flatten, RejectsBadAxes) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3, 4}}), top(1);
  try {
    flatten("axis: 2 end_axis: 1")->setup(ctx, bottom, top);
    FAIL() << "axis after end_axis accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'flat' (Flatten)"), HasSubstr("end_axis")));
  }
  EXPECT_THROW(flatten("axis: 3")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(flatten("end_axis: -4")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(flatten()->setup(ctx, bottom, bottom), Error);
}

}  // namespace
}  // namespace visage::testing
