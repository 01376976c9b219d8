#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

std::unique_ptr<Layer> scale(const std::string& settings) {
  return make_layer("name: 'sc' type: 'Scale' scale_param { " + settings + " }");
}

// x = [[1 2 3] [4 5 6]], s = (1, 2, 3), b = (0.5, 0, -1): y = x * s + b per column.
TEST(Scale, LearnedScaleAndBiasOnHandPickedValues) {
  auto ctx = Context::cpu();
  auto layer = scale("bias_term: true");
  TensorList bottom({{2, 3}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params().size(), 2u);
  EXPECT_THAT(layer->params()[0]->data(), ElementsAre(1, 1, 1));  // default filler: constant 1
  EXPECT_THAT(layer->params()[1]->data(), ElementsAre(0, 0, 0));
  set_values(*layer->params()[0], {1, 2, 3});
  set_values(*layer->params()[1], {0.5f, 0, -1});
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(FloatEq(1.5f), FloatEq(4), FloatEq(8), FloatEq(4.5f),
                                         FloatEq(10), FloatEq(17)));
  std::ranges::fill(top[0].mutable_diff(), 1.0f);
  for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(1, 2, 3, 1, 2, 3));
  EXPECT_THAT(layer->params()[0]->diff(), ElementsAre(5, 7, 9));
  EXPECT_THAT(layer->params()[1]->diff(), ElementsAre(2, 2, 2));
}

// The scale as a second bottom, applied from axis 0: one factor per row.
TEST(Scale, ScaleFromASecondBottom) {
  auto ctx = Context::cpu();
  auto layer = scale("axis: 0");
  TensorList bottom({{2, 3}, {2}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6});
  set_values(bottom[1], {2, -1});
  layer->setup(ctx, bottom, top);
  EXPECT_TRUE(layer->params().empty());
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(2, 4, 6, -4, -5, -6));
  std::ranges::fill(top[0].mutable_diff(), 1.0f);
  layer->backward(ctx, top, {true, true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(2, 2, 2, -1, -1, -1));
  EXPECT_THAT(bottom[1].diff(), ElementsAre(6, 15));
}

TEST(Scale, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    std::vector<Shape> shapes;
  };
  constexpr const char* kRandom =
      " filler { type: 'gaussian' std: 1 } bias_filler { type: 'gaussian' std: 1 }";
  for (const auto& [settings, shapes] : {
           Case{std::string("bias_term: true") + kRandom, {{2, 3, 2, 2}}},
           Case{std::string("axis: 1 num_axes: 2") + kRandom, {{2, 3, 2, 1}}},
           Case{std::string("axis: 1 num_axes: -1 bias_term: true") + kRandom, {{1, 3, 2, 2}}},
           Case{std::string("num_axes: 0 bias_term: true") + kRandom, {{3, 4}}},
           Case{std::string("axis: -1") + kRandom, {{2, 3, 5}}},
           Case{"axis: 1", {{2, 3, 2, 2}, {3, 2}}},
           Case{std::string("axis: 2 bias_term: true") + kRandom, {{2, 3, 4}, {4}}},
       }) {
    auto ctx = Context::cpu();
    auto layer = scale(settings);
    TensorList bottom(shapes), top(1);
    for (std::size_t b = 0; b < shapes.size(); ++b) fill_gaussian(bottom[b], 50 + b);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << settings;
  }
}

// The parameter gradients are summed a few channels side by side (layers/channel_groups.hpp),
// yet each must keep the bits of the plain loop below: per image, a float sum over the plane in
// order, added to the gradient. 6 channels make a group of four and two lone ones; planes of 15
// values, runs of four and three more.
TEST(Scale, EachChannelsGradientKeepsTheBitsOfItsOwnSequentialSums) {
  const int64_t n = 3, c = 6, inner = 15;
  auto ctx = Context::cpu();
  auto layer = scale("bias_term: true");
  TensorList bottom({{n, c, 3, 5}}), top(1);
  fill_gaussian(bottom[0], 80);
  layer->setup(ctx, bottom, top);
  fill_gaussian(*layer->params()[0], 81);
  layer->forward(ctx, bottom, top);
  Tensor top_gradient(top[0].shape());
  fill_gaussian(top_gradient, 82);
  std::ranges::copy(top_gradient.data(), top[0].mutable_diff().begin());
  for (const auto& param : layer->params()) std::ranges::fill(param->mutable_diff(), 0.25f);
  layer->backward(ctx, top, {true}, bottom);

  const auto x = bottom[0].data();
  const auto dy = top[0].diff();
  for (int64_t ch = 0; ch < c; ++ch) {
    float scale_gradient = 0.25f, bias_gradient = 0.25f;
    for (int64_t image = 0; image < n; ++image) {
      const int64_t base = (image * c + ch) * inner;
      float bias_sum = 0.0f, scale_sum = 0.0f;
      for (int64_t i = 0; i < inner; ++i) {
        bias_sum += dy[base + i];
        scale_sum += dy[base + i] * x[base + i];
        EXPECT_EQ(bottom[0].diff()[base + i], dy[base + i] * layer->params()[0]->data()[ch]);
      }
      bias_gradient += bias_sum;
      scale_gradient += scale_sum;
    }
    EXPECT_EQ(layer->params()[0]->diff()[ch], scale_gradient) << "channel " << ch;
    EXPECT_EQ(layer->params()[1]->diff()[ch], bias_gradient) << "channel " << ch;
  }
}

TEST(Scale, RejectsAScaleBottomThatDoesNotMatch) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3, 4}, {4}}), top(1);
  try {
    scale("axis: 1")->setup(ctx, bottom, top);
    FAIL() << "mismatched scale accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'sc' (Scale)"), HasSubstr("shape (4)"),
                                HasSubstr("(2 x 3 x 4)")));
  }
  TensorList one({{2, 3}});
  EXPECT_THROW(scale("axis: 1 num_axes: 2")->setup(ctx, one, top), Error);
  EXPECT_THROW(scale("axis: 2")->setup(ctx, one, top), Error);
}

}  // namespace
}  // namespace visage::testing
