#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::unique_ptr<Layer> dropout(float ratio) {
  return make_layer("name: 'drop' type: 'Dropout' dropout_param { dropout_ratio: " +
                    std::to_string(ratio) + " }");
}

TEST(Dropout, TrainKeepsAboutOneMinusRatioAndScalesKeptUnits) {
  for (const float ratio : {0.3f, 0.5f, 0.8f}) {
    auto ctx = Context::cpu(7);
    auto layer = dropout(ratio);
    constexpr int64_t kCount = 200000;
    TensorList bottom({{kCount / 100, 100}}), top(1);
    fill_uniform(bottom[0], 3, 0.5f, 1.5f);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    int64_t kept = 0;
    double input_sum = 0;
    double output_sum = 0;
    for (int64_t i = 0; i < kCount; ++i) {
      const float x = bottom[0].data()[i];
      const float y = top[0].data()[i];
      input_sum += x;
      output_sum += y;
      if (y != 0.0f) {
        ++kept;
        EXPECT_FLOAT_EQ(y, x / (1.0f - ratio)) << "element " << i;
      }
    }
    // Binomial: the standard deviation of the kept fraction is below 0.0012 here; allow 5 of them.
    EXPECT_NEAR(static_cast<double>(kept) / kCount, 1.0 - ratio, 0.006) << "ratio " << ratio;
    // Inverted dropout keeps the expected activation.
    EXPECT_NEAR(output_sum / input_sum, 1.0, 0.02) << "ratio " << ratio;
  }
}

TEST(Dropout, TestPhaseIsTheIdentityForwardAndBackward) {
  auto ctx = Context::cpu();
  auto layer = dropout(0.5f);
  layer->set_phase(proto::TEST);
  TensorList bottom({{3, 7}}), top(1);
  fill_gaussian(bottom[0], 4);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_TRUE(std::ranges::equal(top[0].data(), bottom[0].data()));
  fill_gaussian(top[0], 5);
  std::ranges::copy(top[0].data(), top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_TRUE(std::ranges::equal(bottom[0].diff(), top[0].diff()));
}

TEST(Dropout, MaskDependsOnlyOnTheRngStateAndChangesBetweenPasses) {
  auto run = [](Context& ctx, Layer& layer, TensorList& bottom, TensorList& top) {
    layer.forward(ctx, bottom, top);
    return std::vector<float>(top[0].data().begin(), top[0].data().end());
  };
  auto ctx_a = Context::cpu(99);
  auto ctx_b = Context::cpu(99);
  auto layer_a = dropout(0.5f);
  auto layer_b = dropout(0.5f);
  TensorList bottom({{4, 50}}), top_a(1), top_b(1);
  std::ranges::fill(bottom[0].mutable_data(), 1.0f);
  layer_a->setup(ctx_a, bottom, top_a);
  layer_b->setup(ctx_b, bottom, top_b);
  const auto first = run(ctx_a, *layer_a, bottom, top_a);
  EXPECT_EQ(first, run(ctx_b, *layer_b, bottom, top_b));
  EXPECT_NE(first, run(ctx_a, *layer_a, bottom, top_a));
}

TEST(Dropout, InPlaceGivesTheSameResultsAsOutOfPlace) {
  auto ctx_out = Context::cpu(5);
  auto ctx_in = Context::cpu(5);
  auto out_of_place = dropout(0.4f);
  auto in_place = dropout(0.4f);
  TensorList bottom({{6, 9}}), top(1), data({{6, 9}});
  fill_gaussian(bottom[0], 6);
  data[0].copy_data_from(bottom[0]);
  out_of_place->setup(ctx_out, bottom, top);
  in_place->setup(ctx_in, data, data);
  out_of_place->forward(ctx_out, bottom, top);
  in_place->forward(ctx_in, data, data);
  EXPECT_TRUE(std::ranges::equal(top[0].data(), data[0].data()));
  fill_gaussian(top[0], 8);
  std::ranges::copy(top[0].data(), top[0].mutable_diff().begin());
  std::ranges::copy(top[0].data(), data[0].mutable_diff().begin());
  out_of_place->backward(ctx_out, top, {true}, bottom);
  in_place->backward(ctx_in, data, {true}, data);
  EXPECT_TRUE(std::ranges::equal(bottom[0].diff(), data[0].diff()));
}

// With the mask held fixed (the RNG state restored before every forward), dropout is linear and
// its gradient must match central differences.
TEST(Dropout, GradientMatchesFiniteDifferencesForAFixedMask) {
  auto ctx = Context::cpu(3);
  auto layer = dropout(0.5f);
  TensorList bottom({{3, 5, 2}}), top(1);
  fill_gaussian(bottom[0], 12);
  layer->setup(ctx, bottom, top);
  const std::string mask_state = ctx.rng().state();
  auto objective = [&](const std::vector<float>& weights) {
    ctx.rng().set_state(mask_state);
    layer->forward(ctx, bottom, top);
    double total = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) total += weights[i] * top[0].data()[i];
    return total;
  };
  std::vector<float> weights(top[0].count());
  Rng rng(21);
  for (float& w : weights) w = rng.uniform(-1.0f, 1.0f);
  objective(weights);
  std::ranges::copy(weights, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  const std::vector<float> analytic(bottom[0].diff().begin(), bottom[0].diff().end());
  int64_t dropped = 0;
  constexpr float kStep = 1e-2f;
  for (int64_t i = 0; i < bottom[0].count(); ++i) {
    const float original = bottom[0].data()[i];
    bottom[0].mutable_data()[i] = original + kStep;
    const double plus = objective(weights);
    bottom[0].mutable_data()[i] = original - kStep;
    const double minus = objective(weights);
    bottom[0].mutable_data()[i] = original;
    EXPECT_NEAR(analytic[i], (plus - minus) / (2 * kStep), 1e-4) << "element " << i;
    dropped += analytic[i] == 0.0f;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, bottom[0].count());
}

TEST(Dropout, RejectsRatiosOutsideZeroToOne) {
  for (const float ratio : {1.0f, -0.1f}) {
    auto ctx = Context::cpu();
    TensorList bottom({{2, 3}}), top(1);
    try {
      dropout(ratio)->setup(ctx, bottom, top);
      FAIL() << "ratio " << ratio << " accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'drop' (Dropout)"), HasSubstr("dropout_ratio")));
    }
  }
}

}  // namespace
}  // namespace visage::testing
