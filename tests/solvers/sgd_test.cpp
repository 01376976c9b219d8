#include "solvers/sgd.hpp"

#include <gtest/gtest.h>

namespace visage {
namespace {

// Two slots: [w0 w1] with lr_mult 1, decay_mult 1 and [w2] with lr_mult 2, decay_mult 0.
std::vector<ParamSlot> two_slots() {
  return {ParamSlot{"ip", 0, {2}, 0, 2, 1.0f, 1.0f}, ParamSlot{"ip", 1, {1}, 2, 1, 2.0f, 0.0f}};
}

struct Tiny {
  Tensor params{Shape{3}};
  Tiny() {
    const float w[] = {1.0f, -2.0f, 3.0f};
    const float g[] = {0.5f, 0.25f, -1.0f};
    std::ranges::copy(w, params.mutable_data().begin());
    std::ranges::copy(g, params.mutable_diff().begin());
  }
};

TEST(Sgd, MomentumUpdateMatchesHandComputation) {
  Context ctx = Context::cpu();
  Tiny tiny;
  const auto slots = two_slots();
  SgdRule sgd(0.9f, slots, 3);
  // rate 0.1, iter_size 2 (gradient_scale 0.5), weight_decay 0.01.
  const UpdateStep step{0.1f, 0.5f, 0.01f, Regularization::l2};
  sgd.apply(ctx, tiny.params, step);
  // w0: g = 0.5*0.5 + 0.01*1 = 0.26, h = 0.026, w = 0.974
  // w1: g = 0.5*0.25 + 0.01*-2 = 0.105, h = 0.0105, w = -2.0105
  // w2: lr 0.2, no decay: g = -0.5, h = -0.1, w = 3.1
  const auto w = tiny.params.data();
  EXPECT_NEAR(w[0], 0.974, 1e-6);
  EXPECT_NEAR(w[1], -2.0105, 1e-6);
  EXPECT_NEAR(w[2], 3.1, 1e-6);
  const auto h = sgd.history("momentum").data();
  EXPECT_NEAR(h[0], 0.026, 1e-7);
  EXPECT_NEAR(h[2], -0.1, 1e-7);

  // Second step, same gradients: w0: g = 0.25 + 0.00974 = 0.25974,
  // h = 0.1 * 0.25974 + 0.9 * 0.026 = 0.049374, w = 0.924626.
  sgd.apply(ctx, tiny.params, step);
  EXPECT_NEAR(tiny.params.data()[0], 0.924626, 1e-6);
  // w2: h = 0.2 * -0.5 + 0.9 * -0.1 = -0.19, w = 3.29.
  EXPECT_NEAR(tiny.params.data()[2], 3.29, 1e-6);
}

TEST(Sgd, L1DecayUsesTheSignOfTheWeight) {
  Context ctx = Context::cpu();
  Tiny tiny;
  SgdRule sgd(0.0f, two_slots(), 3);
  sgd.apply(ctx, tiny.params, UpdateStep{1.0f, 1.0f, 0.1f, Regularization::l1});
  // w0: g = 0.5 + 0.1 * 1 = 0.6 -> 0.4; w1: g = 0.25 - 0.1 = 0.15 -> -2.15; w2: lr 2, g = -1 -> 5.
  EXPECT_NEAR(tiny.params.data()[0], 0.4, 1e-6);
  EXPECT_NEAR(tiny.params.data()[1], -2.15, 1e-6);
  EXPECT_NEAR(tiny.params.data()[2], 5.0, 1e-6);
}

// An update that leaves a weight denormal leaves it 0 (every multiply reading a denormal is slow
// on x86); tiny normal weights, and exact zeros of either sign, stay as they are.
TEST(Sgd, WeightsLeftDenormalBecomeZero) {
  Context ctx = Context::cpu();
  Tensor params{Shape{3}};
  const float w[] = {2e-38f, -2e-38f, 3e-38f};
  std::ranges::copy(w, params.mutable_data().begin());
  std::ranges::fill(params.mutable_diff(), 0.0f);
  SgdRule sgd(0.0f, two_slots(), 3);
  // Decay 0.5 halves w0 and w1 (slot 0) to 1e-38, below FLT_MIN (1.18e-38); w2 has no decay.
  sgd.apply(ctx, params, UpdateStep{1.0f, 1.0f, 0.5f, Regularization::l2});
  EXPECT_EQ(params.data()[0], 0.0f);
  EXPECT_EQ(params.data()[1], 0.0f);
  EXPECT_EQ(params.data()[2], 3e-38f);
  // 3e-38 halved is 1.5e-38, still normal.
  const float normal[] = {3e-38f, -3e-38f, 1.0f};
  std::ranges::copy(normal, params.mutable_data().begin());
  sgd.apply(ctx, params, UpdateStep{1.0f, 1.0f, 0.5f, Regularization::l2});
  EXPECT_EQ(params.data()[0], 1.5e-38f);
  EXPECT_EQ(params.data()[1], -1.5e-38f);
}

TEST(Sgd, RejectsBadMomentumAndUnknownTypes) {
  EXPECT_THROW(SgdRule(1.5f, two_slots(), 3), Error);
  proto::SolverParameter param;
  param.set_type("Lion");
  EXPECT_THROW(make_update_rule(param, two_slots(), 3), Error);
}

}  // namespace
}  // namespace visage
