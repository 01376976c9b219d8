#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;

TEST(Softmax, ForwardMatchesHandComputedValuesEvenForHugeLogits) {
  for (const float offset : {0.0f, 1000.0f, -1000.0f}) {
    auto ctx = Context::cpu();
    auto layer = make_layer("name: 's' type: 'Softmax'");
    TensorList bottom({{1, 3}}), top(1);
    set_values(bottom[0], {1 + offset, 2 + offset, 3 + offset});
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    EXPECT_THAT(top[0].data(),
                ElementsAre(FloatNear(0.0900306f, 1e-6f), FloatNear(0.2447285f, 1e-6f),
                            FloatNear(0.6652410f, 1e-6f)))
        << "offset " << offset;
  }
}

// Over axis 1 of a (2 x 3 x 2) tensor: the three values sharing (n, w) form one distribution.
TEST(Softmax, NormalisesAlongTheChosenAxisOnly) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 's' type: 'Softmax'");
  TensorList bottom({{2, 3, 2}}), top(1);
  // x[0, c, 0] = c (distribution [.090 .245 .665]); x[0, c, 1] = 0 (uniform).
  set_values(bottom[0], {0, 0, 1, 0, 2, 0, 5, 5, 5, 5, 5, 5});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  const auto y = top[0].data();
  EXPECT_NEAR(y[0], 0.0900306f, 1e-6f);
  EXPECT_NEAR(y[2], 0.2447285f, 1e-6f);
  EXPECT_NEAR(y[4], 0.6652410f, 1e-6f);
  for (const int k : {1, 3, 5, 6, 7, 8, 9, 10, 11}) EXPECT_NEAR(y[k], 1.0f / 3, 1e-6f) << k;
}

TEST(Softmax, GradientsMatchFiniteDifferences) {
  struct Case {
    int axis;
    Shape input;
  };
  for (const auto& c : std::vector<Case>{{1, {2, 4, 3}}, {-1, {3, 5}}, {1, {1, 7}}, {0, {4, 2}}}) {
    auto ctx = Context::cpu();
    auto layer = make_layer(
        "name: 's' type: 'Softmax' softmax_param { axis: " + std::to_string(c.axis) + " }");
    TensorList bottom({c.input}), top(1);
    fill_gaussian(bottom[0], 13, 0.0f, 2.0f);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << "axis " << c.axis;
  }
}

TEST(Softmax, RejectsAnAxisOutOfRange) {
  auto ctx = Context::cpu();
  auto layer = make_layer("name: 's' type: 'Softmax' softmax_param { axis: 2 }");
  TensorList bottom({{2, 3}}), top(1);
  try {
    layer->setup(ctx, bottom, top);
    FAIL() << "axis 2 of a 2-D input accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr("layer 's' (Softmax)"), HasSubstr("axis 2"), HasSubstr("(2 x 3)")));
  }
}

}  // namespace
}  // namespace visage::testing
