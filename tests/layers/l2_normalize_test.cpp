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

std::unique_ptr<Layer> l2_normalize(const std::string& settings = "") {
  return make_layer("name: 'l2' type: 'L2Normalize' l2_normalize_param { " + settings + " }");
}

// x = (3, 4): ||x|| = 5, y = (0.6, 0.8); dy = (1, 0): y . dy = 0.6,
// dx = (dy - 0.6 y) / 5 = (0.64, -0.48) / 5.
TEST(L2Normalize, ForwardAndBackwardOnHandPickedValues) {
  auto ctx = Context::cpu();
  auto layer = l2_normalize();
  TensorList bottom({{1, 2}}), top(1);
  set_values(bottom[0], {3, 4});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(FloatNear(0.6f, 1e-7f), FloatNear(0.8f, 1e-7f)));
  std::ranges::copy(std::vector<float>{1, 0}, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(FloatNear(0.128f, 1e-7f), FloatNear(-0.096f, 1e-7f)));
}

// Each sample's vector spans every axis after the first; samples are independent.
TEST(L2Normalize, NormalisesEachSampleOverAllTrailingAxes) {
  auto ctx = Context::cpu();
  auto layer = l2_normalize();
  TensorList bottom({{3, 2, 2, 3}}), top(1);
  fill_gaussian(bottom[0], 5, 0.0f, 3.0f);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  ASSERT_EQ(top[0].shape(), bottom[0].shape());
  for (int n = 0; n < 3; ++n) {
    double squares = 0;
    for (int i = 0; i < 12; ++i) squares += std::pow(top[0].data()[n * 12 + i], 2);
    EXPECT_NEAR(squares, 1.0, 1e-6) << "sample " << n;
    const float ratio = bottom[0].data()[n * 12] / top[0].data()[n * 12];
    for (int i = 0; i < 12; ++i) {
      EXPECT_NEAR(bottom[0].data()[n * 12 + i] / top[0].data()[n * 12 + i], ratio, 1e-4f * ratio);
    }
  }
}

// eps enters as sqrt(||x||^2 + eps): the zero vector maps to zero with a finite gradient
// dy/sqrt(eps).
TEST(L2Normalize, ZeroVectorGivesZeroAndAFiniteGradient) {
  auto ctx = Context::cpu();
  auto layer = l2_normalize("eps: 1e-4");
  TensorList bottom({{2, 3}}), top(1);
  set_values(bottom[0], {0, 0, 0, 1, 2, 2});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(0.0f, 0.0f, 0.0f, FloatNear(1 / 3.0f, 1e-5f),
                                         FloatNear(2 / 3.0f, 1e-5f), FloatNear(2 / 3.0f, 1e-5f)));
  std::ranges::copy(std::vector<float>{1, -2, 0.5f, 0, 0, 0}, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(FloatNear(100, 1e-3f), FloatNear(-200, 1e-3f),
                                            FloatNear(50, 1e-3f), 0.0f, 0.0f, 0.0f));
  for (float g : bottom[0].diff()) EXPECT_TRUE(std::isfinite(g));
}

TEST(L2Normalize, GradientsMatchFiniteDifferences) {
  for (const Shape& shape : {Shape{1, 5}, Shape{4, 3}, Shape{3, 2, 3, 2}, Shape{2, 128}}) {
    auto ctx = Context::cpu();
    auto layer = l2_normalize();
    TensorList bottom({shape}), top(1);
    fill_gaussian(bottom[0], 13);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << to_string(shape);
  }
}

// A large eps makes its term matter: the Jacobian must include it exactly.
TEST(L2Normalize, GradientsIncludeEpsilonExactly) {
  auto ctx = Context::cpu();
  auto layer = l2_normalize("eps: 0.5");
  TensorList bottom({{3, 4}}), top(1);
  fill_gaussian(bottom[0], 17, 0.0f, 0.3f);
  layer->setup(ctx, bottom, top);
  EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.step = 1e-3f}));
}

TEST(L2Normalize, RejectsANonPositiveEpsilon) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3}}), top(1);
  try {
    l2_normalize("eps: 0")->setup(ctx, bottom, top);
    FAIL() << "eps 0 accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'l2' (L2Normalize)"), HasSubstr("eps")));
  }
}

}  // namespace
}  // namespace visage::testing
