#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

TEST(ReLU, ForwardAndBackwardOnHandPickedValues) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'r' type: 'ReLU' relu_param { negative_slope: 0.1 }");
  TensorList bottom(std::vector<Shape>{{4}}), top(1);
  set_values(bottom[0], {-2.0f, -0.5f, 0.0f, 1.5f});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(),
              ElementsAre(FloatEq(-0.2f), FloatEq(-0.05f), FloatEq(0.0f), FloatEq(1.5f)));
  std::ranges::copy(std::vector<float>{1, 2, 3, 4}, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  // At exactly 0 the leaky side is taken, as in Caffe.
  EXPECT_THAT(bottom[0].diff(),
              ElementsAre(FloatEq(0.1f), FloatEq(0.2f), FloatEq(0.3f), FloatEq(4.0f)));
}

TEST(ReLU, GradientsMatchFiniteDifferencesAwayFromTheKink) {
  for (const float slope : {0.0f, 0.25f}) {
    auto ctx = Context::cpu();
    auto layer = make_layer(
        "name: 'r' type: 'ReLU' relu_param { negative_slope: " + std::to_string(slope) + " }");
    TensorList bottom({{2, 3, 5}}), top(1);
    fill_gaussian(bottom[0], 21);
    bottom[0].mutable_data()[7] = 0.004f;  // inside the kink range: must be skipped, not failed
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.kink = Kink{0.0f, 0.02f}}))
        << "negative_slope " << slope;
  }
}

TEST(ReLU, InPlaceGivesTheSameResultsAsOutOfPlace) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'r' type: 'ReLU' relu_param { negative_slope: 0.5 }");
  TensorList data({{3, 4}});
  fill_gaussian(data[0], 8);
  const std::vector<float> input(data[0].data().begin(), data[0].data().end());
  layer->setup(ctx, data, data);
  layer->forward(ctx, data, data);
  std::ranges::fill(data[0].mutable_diff(), 1.0f);
  layer->backward(ctx, data, {true}, data);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const bool positive = input[i] > 0;
    EXPECT_FLOAT_EQ(data[0].data()[i], positive ? input[i] : 0.5f * input[i]);
    EXPECT_FLOAT_EQ(data[0].diff()[i], positive ? 1.0f : 0.5f);
  }
}

TEST(ReLU, RejectsANegativeSlopeInPlace) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 'r' type: 'ReLU' relu_param { negative_slope: -1 }");
  TensorList data(std::vector<Shape>{{2}});
  try {
    layer->setup(ctx, data, data);
    FAIL() << "negative slope in place accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'r' (ReLU)"), HasSubstr("in place")));
  }
}

}  // namespace
}  // namespace visage::testing
