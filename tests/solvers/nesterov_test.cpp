#include "solvers/nesterov.hpp"

#include <gtest/gtest.h>

#include "tests/solvers/tiny_update.hpp"

namespace visage {
namespace {

using testing::kTinyStep;
using testing::tiny_slots;
using testing::TinyParams;

TEST(Nesterov, TwoStepsMatchTheHandComputation) {
  Context ctx = Context::cpu();
  TinyParams tiny;
  NesterovRule rule(0.9f, tiny_slots(), 3);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 1 (h = 0): h' = lr * g = (0.026, 0.0105, -0.1); w -= 1.9 * h'.
  EXPECT_NEAR(tiny.w(0), 1 - 1.9 * 0.026, 1e-6);
  EXPECT_NEAR(tiny.w(1), -2 - 1.9 * 0.0105, 1e-6);
  EXPECT_NEAR(tiny.w(2), 3 + 1.9 * 0.1, 1e-6);
  rule.apply(ctx, tiny.params, kTinyStep);
  // Step 2, w0: g = 0.25 + 0.01 * 0.9506 = 0.259506, h' = 0.9 * 0.026 + 0.0259506 = 0.0493506,
  // w = 0.9506 - (1.9 * 0.0493506 - 0.9 * 0.026) = 0.88023386.
  EXPECT_NEAR(tiny.w(0), 0.88023386, 1e-6);
  EXPECT_NEAR(tiny.w(1), -2.048367095, 1e-6);
  // w2 (no decay): h' = 0.9 * -0.1 - 0.1 = -0.19, w = 3.19 - (1.9 * -0.19 + 0.09) = 3.461.
  EXPECT_NEAR(tiny.w(2), 3.461, 1e-6);
  EXPECT_NEAR(rule.history("momentum").data()[0], 0.0493506, 1e-7);
  EXPECT_NEAR(rule.history("momentum").data()[2], -0.19, 1e-7);
}

TEST(Nesterov, RejectsMomentumOutsideTheUnitInterval) {
  EXPECT_THROW(NesterovRule(1.0f, tiny_slots(), 3), Error);
  EXPECT_THROW(NesterovRule(-0.1f, tiny_slots(), 3), Error);
}

}  // namespace
}  // namespace visage
