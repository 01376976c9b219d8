#include "solvers/lr_policy.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/config.hpp"
#include "core/error.hpp"

namespace visage {
namespace {

LrPolicy policy(const std::string& text) { return LrPolicy(parse_solver_config(text)); }

std::string error_of(const std::string& text) {
  try {
    policy(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LrPolicy, MatchesHandComputedValues) {
  EXPECT_DOUBLE_EQ(policy("base_lr: 0.1 lr_policy: 'fixed'").rate(1000), 0.1f);
  const auto step = policy("base_lr: 0.1 lr_policy: 'step' gamma: 0.5 stepsize: 10");
  EXPECT_DOUBLE_EQ(step.rate(9), 0.1f);
  EXPECT_DOUBLE_EQ(step.rate(10), 0.1f * 0.5);
  EXPECT_DOUBLE_EQ(step.rate(25), 0.1f * 0.25);
  EXPECT_EQ(step.step(25), 2);
  // The fields are floats: 0.1f * 0.9f^3 differs from 0.0729 in the 8th digit.
  EXPECT_NEAR(policy("base_lr: 0.1 lr_policy: 'exp' gamma: 0.9").rate(3), 0.1 * 0.729, 1e-8);
  // inv: 0.01 * (1 + 0.0001 * 100) ^ -0.75 = 0.01 * 1.01^-0.75
  EXPECT_NEAR(policy("base_lr: 0.01 lr_policy: 'inv' gamma: 0.0001 power: 0.75").rate(100),
              0.01 * 0.992565, 1e-8);
  const auto multi =
      policy("base_lr: 1 lr_policy: 'multistep' gamma: 0.1 stepvalue: 5 stepvalue: 8");
  EXPECT_DOUBLE_EQ(multi.rate(4), 1.0);
  EXPECT_NEAR(multi.rate(5), 0.1, 1e-7);
  EXPECT_NEAR(multi.rate(7), 0.1, 1e-7);
  EXPECT_NEAR(multi.rate(8), 0.01, 1e-8);
  EXPECT_EQ(multi.step(9), 2);
  // poly: 1 * (1 - 25/100)^2 = 0.5625
  EXPECT_NEAR(policy("base_lr: 1 lr_policy: 'poly' power: 2 max_iter: 100").rate(25), 0.5625,
              1e-12);
  // sigmoid: 1 / (1 + e^(-0.5 (12 - 10))) = 1 / (1 + e^-1) = 0.7310586
  EXPECT_NEAR(policy("base_lr: 1 lr_policy: 'sigmoid' gamma: 0.5 stepsize: 10").rate(12), 0.7310586,
              1e-7);
}

TEST(LrPolicy, MissingFieldsGiveClearErrors) {
  EXPECT_EQ(error_of("base_lr: 0.1 lr_policy: 'step' gamma: 0.5"),
            "solver: lr_policy 'step' needs stepsize > 0");
  EXPECT_EQ(error_of("base_lr: 0.1 lr_policy: 'step' stepsize: 3"),
            "solver: lr_policy 'step' needs gamma");
  EXPECT_EQ(error_of("base_lr: 0.1 lr_policy: 'multistep' gamma: 0.1 stepvalue: 5 stepvalue: 5"),
            "solver: lr_policy 'multistep' needs strictly increasing stepvalues");
  EXPECT_EQ(error_of("base_lr: 0.1 lr_policy: 'poly' power: 1"),
            "solver: lr_policy 'poly' needs max_iter > 0");
  EXPECT_NE(error_of("base_lr: 0.1 lr_policy: 'cosine'").find("unknown lr_policy 'cosine'"),
            std::string::npos);
  EXPECT_NE(error_of("base_lr: 0.1").find("lr_policy is not set"), std::string::npos);
  EXPECT_NE(error_of("lr_policy: 'fixed'").find("base_lr must be set"), std::string::npos);
}

}  // namespace
}  // namespace visage
