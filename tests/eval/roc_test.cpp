#include "eval/roc.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace visage::eval {
namespace {

// Distances: matched 1, 2, 4; mismatched 3, 5, 6.
std::vector<ScoredPair> hand_pairs() {
  return {{1, true}, {2, true}, {4, true}, {3, false}, {5, false}, {6, false}};
}

Roc hand_roc(size_t different_pairs) {
  Roc roc;
  roc.points = {{0, 0, 0}, {1, 0, 0.5}, {2, 0.01, 0.7}, {3, 0.02, 0.9}, {4, 1, 1}};
  roc.same_pairs = 10;
  roc.different_pairs = different_pairs;
  return roc;
}

TEST(EvalRoc, CurveStepsThroughEveryThreshold) {
  const Roc roc = roc_curve(hand_pairs());
  const std::vector<std::pair<double, double>> expected = {
      {0, 0}, {0, 1.0 / 3}, {0, 2.0 / 3}, {1.0 / 3, 2.0 / 3}, {1.0 / 3, 1}, {2.0 / 3, 1}, {1, 1}};
  ASSERT_EQ(roc.points.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_DOUBLE_EQ(roc.points[i].far, expected[i].first) << i;
    EXPECT_DOUBLE_EQ(roc.points[i].tar, expected[i].second) << i;
  }
  EXPECT_DOUBLE_EQ(roc.points[3].threshold, 3.5);
}

TEST(EvalRoc, AucIsTheMannWhitneyFraction) {
  // Of the 9 (matched, mismatched) pairs, 8 have the matched distance smaller.
  EXPECT_DOUBLE_EQ(area_under_curve(roc_curve(hand_pairs())), 8.0 / 9.0);
  // A tie counts one half.
  const std::vector<ScoredPair> tie = {{1, true}, {1, false}};
  EXPECT_DOUBLE_EQ(area_under_curve(roc_curve(tie)), 0.5);
}

TEST(EvalRoc, EqualErrorRateWhereFarMeetsFrr) {
  const EqualErrorRate eer = equal_error_rate(roc_curve(hand_pairs()));
  EXPECT_DOUBLE_EQ(eer.rate, 1.0 / 3);
  EXPECT_DOUBLE_EQ(eer.threshold, 3.5);

  // Between (0.2, 0.6) [FAR - FRR = -0.2] and (0.4, 0.8) [+0.2]: halfway, FAR = FRR = 0.3.
  Roc roc;
  roc.points = {{0, 0, 0}, {1, 0.2, 0.6}, {3, 0.4, 0.8}, {5, 1, 1}};
  const EqualErrorRate interpolated = equal_error_rate(roc);
  EXPECT_NEAR(interpolated.rate, 0.3, 1e-12);
  EXPECT_NEAR(interpolated.threshold, 2.0, 1e-12);
}

TEST(EvalRoc, ValAtFarInterpolatesLinearlyBetweenRocPoints) {
  const Roc roc = hand_roc(1000);
  const ValAtFar at_1e3 = val_at_far(roc, 1e-3);  // a tenth of the way from (0, .5) to (.01, .7)
  EXPECT_TRUE(at_1e3.resolved);
  EXPECT_DOUBLE_EQ(at_1e3.far, 1e-3);
  EXPECT_NEAR(at_1e3.val, 0.52, 1e-12);
  EXPECT_NEAR(at_1e3.threshold, 1.1, 1e-12);
  EXPECT_NEAR(val_at_far(roc, 0.015).val, 0.8, 1e-12);
  EXPECT_DOUBLE_EQ(val_at_far(roc, 0.01).val, 0.7);  // exactly on a point
  EXPECT_DOUBLE_EQ(val_at_far(roc, 1.0).val, 1.0);
}

TEST(EvalRoc, ValAtAnUnresolvableFarIsReadAtOneOverTheMismatchedCountAndFlagged) {
  const ValAtFar val = val_at_far(hand_roc(100), 1e-3);  // 100 mismatched pairs: FAR >= 0.01
  EXPECT_FALSE(val.resolved);
  EXPECT_DOUBLE_EQ(val.requested_far, 1e-3);
  EXPECT_DOUBLE_EQ(val.far, 0.01);
  EXPECT_DOUBLE_EQ(val.val, 0.7);
}

TEST(EvalRoc, ValTakesTheTopOfAVerticalRun) {
  Roc roc;
  roc.points = {{0, 0, 0}, {1, 0.01, 0.3}, {2, 0.01, 0.6}, {3, 1, 1}};
  roc.same_pairs = 10;
  roc.different_pairs = 100;
  EXPECT_DOUBLE_EQ(val_at_far(roc, 0.01).val, 0.6);
}

TEST(EvalRoc, NeedsBothKindsOfPairsAndAFarInRange) {
  const std::vector<ScoredPair> only_same = {{1, true}, {2, true}};
  EXPECT_THROW(roc_curve(only_same), Error);
  EXPECT_THROW(val_at_far(hand_roc(1000), 0.0), Error);
  EXPECT_THROW(val_at_far(hand_roc(1000), 1.5), Error);
}

}  // namespace
}  // namespace visage::eval
