#include "solvers/adagrad.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/solvers/tiny_update.hpp"

namespace visage {
namespace {

using testing::kTinyStep;
using testing::tiny_slots;
using testing::TinyParams;

TEST(AdaGrad, TwoStepsMatchTheHandComputation) {
  Context ctx = Context::cpu();
  TinyParams tiny;
  AdaGradRule rule(1e-8f, tiny_slots(), 3);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 1: h = g^2, so each weight moves by lr * g / |g| = lr (less delta's share).
  EXPECT_NEAR(tiny.w(0), 0.9, 1e-6);
  EXPECT_NEAR(tiny.w(1), -2.1, 1e-6);
  EXPECT_NEAR(tiny.w(2), 3.2, 1e-6);
  EXPECT_NEAR(rule.history("squared_gradient_sum").data()[0], 0.26 * 0.26, 1e-7);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 2, w0: g = 0.25 + 0.01 * 0.9 = 0.259, h = 0.0676 + 0.259^2 = 0.134681,
  // w = 0.9 - 0.1 * 0.259 / sqrt(0.134681).
  EXPECT_NEAR(tiny.w(0), 0.9 - 0.1 * 0.259 / std::sqrt(0.134681), 1e-6);
  EXPECT_NEAR(rule.history("squared_gradient_sum").data()[0], 0.134681, 1e-6);
  // w1: g = 0.125 - 0.021 = 0.104, h = 0.105^2 + 0.104^2 = 0.021841.
  EXPECT_NEAR(tiny.w(1), -2.1 - 0.1 * 0.104 / std::sqrt(0.021841), 1e-6);
  // w2: g = -0.5 twice, h = 0.5: w = 3.2 + 0.2 * 0.5 / sqrt(0.5) = 3.2 + 0.1 * sqrt(2).
  EXPECT_NEAR(tiny.w(2), 3.2 + 0.1 * std::sqrt(2.0), 1e-6);
}

TEST(AdaGrad, L1DecayAddsTheSignOfTheWeightWhereL2AddsTheWeight) {
  Context ctx = Context::cpu();
  // rate 1, no gradient scaling, weight_decay 0.1, delta 1 so that the step is g / (|g| + 1).
  const auto step_with = [&](Regularization regularization) {
    TinyParams tiny;
    AdaGradRule rule(1.0f, tiny_slots(), 3);
    rule.apply(ctx, tiny.params, UpdateStep{1.0f, 1.0f, 0.1f, regularization});
    return std::vector<float>(tiny.params.data().begin(), tiny.params.data().end());
  };
  const auto l1 = step_with(Regularization::l1);
  // L1: g = (0.5 + 0.1, 0.25 - 0.1, -1) = (0.6, 0.15, -1); w2 has decay_mult 0 and lr_mult 2.
  EXPECT_NEAR(l1[0], 1 - 0.6 / 1.6, 1e-6);
  EXPECT_NEAR(l1[1], -2 - 0.15 / 1.15, 1e-6);
  EXPECT_NEAR(l1[2], 3 + 2 * 1 / 2.0, 1e-6);
  const auto l2 = step_with(Regularization::l2);
  // L2: g = (0.5 + 0.1 * 1, 0.25 + 0.1 * -2, -1) = (0.6, 0.05, -1): only w1 differs.
  EXPECT_NEAR(l2[0], l1[0], 1e-7);
  EXPECT_NEAR(l2[1], -2 - 0.05 / 1.05, 1e-6);
  EXPECT_NEAR(l2[2], l1[2], 1e-7);
}

TEST(AdaGrad, RejectsANonPositiveDelta) { EXPECT_THROW(AdaGradRule(0.0f, tiny_slots(), 3), Error); }

}  // namespace
}  // namespace visage
