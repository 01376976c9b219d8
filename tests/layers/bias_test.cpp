#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Layer> bias(const std::string& settings) {
  return make_layer("name: 'b' type: 'Bias' bias_param { " + settings + " }");
}

TEST(Bias, AddsAPerChannelBias) {
  auto ctx = Context::cpu();
  auto layer = bias("");
  TensorList bottom({{2, 2, 2}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6, 7, 8});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params().size(), 1u);
  EXPECT_EQ(layer->params()[0]->shape(), (Shape{2}));
  EXPECT_THAT(layer->params()[0]->data(), ElementsAre(0, 0));
  set_values(*layer->params()[0], {10, -10});
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(11, 12, -7, -6, 15, 16, -3, -2));
  set_values(top[0], {1, 2, 3, 4, 5, 6, 7, 8});
  std::ranges::copy(top[0].data(), top[0].mutable_diff().begin());
  std::ranges::fill(layer->params()[0]->mutable_diff(), 0.0f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  EXPECT_THAT(layer->params()[0]->diff(), ElementsAre(1 + 2 + 5 + 6, 3 + 4 + 7 + 8));
}

TEST(Bias, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    std::vector<Shape> shapes;
  };
  for (const auto& [settings, shapes] : {
           Case{"filler { type: 'gaussian' std: 1 }", {{2, 3, 2, 2}}},
           Case{"axis: 0 num_axes: 2", {{2, 3, 2}}},
           Case{"num_axes: 0", {{1, 4}}},
           Case{"axis: 1", {{2, 3, 2}, {3, 2}}},
       }) {
    auto ctx = Context::cpu();
    auto layer = bias(settings);
    TensorList bottom(shapes), top(1);
    for (std::size_t b = 0; b < shapes.size(); ++b) fill_gaussian(bottom[b], 60 + b);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << settings;
  }
}

TEST(Bias, RejectsAxesOutsideTheInput) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3}}), top(1);
  try {
    bias("axis: 1 num_axes: 2")->setup(ctx, bottom, top);
    FAIL() << "num_axes past the end accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'b' (Bias)"), HasSubstr("num_axes 2")));
  }
  TensorList mismatched({{2, 3}, {2}}), out(1);
  EXPECT_THROW(bias("axis: 1")->setup(ctx, mismatched, out), Error);
}

}  // namespace
}  // namespace visage::testing
