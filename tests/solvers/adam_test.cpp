#include "solvers/adam.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/solvers/tiny_update.hpp"

namespace visage {
namespace {

using testing::kTinyStep;
using testing::tiny_slots;
using testing::TinyParams;

TEST(Adam, TwoStepsMatchTheHandComputationWithBiasCorrection) {
  Context ctx = Context::cpu();
  TinyParams tiny;
  AdamRule rule(0.9f, 0.999f, 1e-8f, tiny_slots(), 3);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 1: m = 0.1 g, v = 0.001 g^2, c_1 = sqrt(0.001) / 0.1, so
  // lr * c_1 * m / sqrt(v) = lr * sign(g): the bias-corrected first step is lr per weight.
  EXPECT_NEAR(tiny.w(0), 0.9, 1e-6);
  EXPECT_NEAR(tiny.w(1), -2.1, 1e-6);
  EXPECT_NEAR(tiny.w(2), 3.2, 1e-6);
  EXPECT_EQ(rule.history("steps_taken").data()[0], 1.0f);
  rule.apply(ctx, tiny.params, kTinyStep);
  EXPECT_EQ(rule.history("steps_taken").data()[0], 2.0f);
  // Step 2, w0: g = 0.25 + 0.01 * 0.9 = 0.259, m = 0.9 * 0.026 + 0.1 * 0.259 = 0.0493,
  // v = 0.999 * 6.76e-5 + 0.001 * 0.259^2, c_2 = sqrt(1 - 0.999^2) / (1 - 0.9^2).
  const double m0 = 0.0493;
  const double v0 = 0.999 * 6.76e-5 + 0.001 * 0.259 * 0.259;
  const double c2 = std::sqrt(1 - 0.999 * 0.999) / (1 - 0.81);
  // (1 - beta2 in float is 1.3e-5 off 0.001, hence the relative tolerance.)
  EXPECT_NEAR(rule.history("first_moment").data()[0], m0, 1e-7);
  EXPECT_NEAR(rule.history("second_moment").data()[0], v0, 1e-4 * v0);
  EXPECT_NEAR(tiny.w(0), 0.9 - 0.1 * c2 * m0 / std::sqrt(v0), 1e-5);
  // w2 sees the same g = -0.5 twice: the corrected moments equal g and g^2, another lr step.
  EXPECT_NEAR(tiny.w(2), 3.4, 1e-5);
}

TEST(Adam, RejectsBadBetasAndDelta) {
  EXPECT_THROW(AdamRule(1.0f, 0.999f, 1e-8f, tiny_slots(), 3), Error);
  EXPECT_THROW(AdamRule(0.9f, 1.0f, 1e-8f, tiny_slots(), 3), Error);
  EXPECT_THROW(AdamRule(0.9f, 0.999f, 0.0f, tiny_slots(), 3), Error);
}

}  // namespace
}  // namespace visage
