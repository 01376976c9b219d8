#include "solvers/rmsprop.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/solvers/tiny_update.hpp"

namespace visage {
namespace {

using testing::kTinyStep;
using testing::tiny_slots;
using testing::TinyParams;

TEST(RmsProp, TwoStepsMatchTheHandComputation) {
  Context ctx = Context::cpu();
  TinyParams tiny;
  RmsPropRule rule(0.9f, 1e-8f, tiny_slots(), 3);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 1: h = 0.1 * g^2, so each weight moves by lr * g / (sqrt(0.1) |g|) = lr / sqrt(0.1).
  const double first = 0.1 / std::sqrt(0.1);
  EXPECT_NEAR(tiny.w(0), 1 - first, 1e-6);
  EXPECT_NEAR(tiny.w(1), -2 - first, 1e-6);
  EXPECT_NEAR(tiny.w(2), 3 + 2 * first, 1e-6);
  EXPECT_NEAR(rule.history("mean_squared_gradient").data()[0], 0.1 * 0.26 * 0.26, 1e-7);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 2, w0: g = 0.25 + 0.01 * w0, h = 0.9 * 0.00676 + 0.1 * g^2, w0 -= 0.1 * g / sqrt(h).
  const double w0 = 1 - first;
  const double g0 = 0.25 + 0.01 * w0;
  const double h0 = 0.9 * 0.00676 + 0.1 * g0 * g0;
  EXPECT_NEAR(rule.history("mean_squared_gradient").data()[0], h0, 1e-7);
  EXPECT_NEAR(tiny.w(0), w0 - 0.1 * g0 / std::sqrt(h0), 1e-5);
  // w2: g = -0.5 twice, h = 0.9 * 0.025 + 0.025 = 0.0475, w2 += 0.2 * 0.5 / sqrt(0.0475).
  EXPECT_NEAR(tiny.w(2), 3 + 2 * first + 0.1 / std::sqrt(0.0475), 1e-5);
}

TEST(RmsProp, RejectsBadDecayAndDelta) {
  EXPECT_THROW(RmsPropRule(1.0f, 1e-8f, tiny_slots(), 3), Error);
  EXPECT_THROW(RmsPropRule(0.9f, 0.0f, tiny_slots(), 3), Error);
}

}  // namespace
}  // namespace visage
