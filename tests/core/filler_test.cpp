#include "core/filler.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"

namespace visage {
namespace {

proto::FillerParameter filler(const std::string& type) {
  proto::FillerParameter f;
  f.set_type(type);
  return f;
}

TEST(Filler, XavierStaysWithinItsBoundAndMsraHasItsVariance) {
  Rng rng(3);
  Tensor w({200, 50});  // fan-in 50
  fill(filler("xavier"), w, rng);
  const float bound = std::sqrt(3.0f / 50.0f);
  double sum_sq = 0;
  for (float v : w.data()) {
    EXPECT_LE(std::abs(v), bound);
    sum_sq += v * v;
  }
  EXPECT_NEAR(sum_sq / w.count(), 1.0 / 50.0, 0.1 / 50.0);  // uniform variance bound^2 / 3

  fill(filler("msra"), w, rng);
  sum_sq = 0;
  for (float v : w.data()) sum_sq += v * v;
  EXPECT_NEAR(sum_sq / w.count(), 2.0 / 50.0, 0.2 / 50.0);
}

TEST(Filler, ConstantGaussianAndDeterminism) {
  Tensor a({1000});
  Tensor b({1000});
  auto c = filler("constant");
  c.set_value(0.25f);
  Rng rng(1);
  fill(c, a, rng);
  for (float v : a.data()) EXPECT_EQ(v, 0.25f);

  auto g = filler("gaussian");
  g.set_mean(1.0f);
  g.set_std(0.5f);
  Rng r1(9);
  Rng r2(9);
  fill(g, a, r1);
  fill(g, b, r2);
  double mean = 0;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.data()[i], b.data()[i]);
    mean += a.data()[i];
  }
  EXPECT_NEAR(mean / 1000, 1.0, 0.05);
}

TEST(Filler, UnknownTypeIsRejected) {
  Tensor t({3});
  Rng rng;
  EXPECT_THROW(fill(filler("xavir"), t, rng), Error);
}

TEST(Rng, StateRoundTripsExactly) {
  Rng a(42);
  a.gaussian(0, 1);
  const std::string state = a.state();
  Rng b(7);
  b.set_state(state);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  EXPECT_THROW(b.set_state("not a state"), Error);
}

}  // namespace
}  // namespace visage
