// The ROC curve and the numbers read off it, with FaceNet's definitions: for a threshold d,
// VAL(d) = TAR(d) = |TA(d)| / |P_same| and FAR(d) = |FA(d)| / |P_diff|, where TA and FA are the
// matched and mismatched pairs with distance <= d.
#pragma once

#include <span>
#include <vector>

#include "eval/scoring.hpp"

namespace visage::eval {

struct RocPoint {
  double threshold = 0.0;
  double far = 0.0;
  double tar = 0.0;
};

struct Roc {
  // From (0, 0) to (1, 1) by increasing threshold; far and tar never decrease.
  std::vector<RocPoint> points;
  size_t same_pairs = 0;
  size_t different_pairs = 0;
};

// Throws unless there are both matched and mismatched pairs.
Roc roc_curve(std::span<const ScoredPair> pairs);

// Trapezoid rule over the points; ties between a matched and a mismatched distance make a diagonal
// step and so count one half, as in the Mann-Whitney statistic.
double area_under_curve(const Roc& roc);

struct EqualErrorRate {
  double rate = 0.0;  // where FAR = FRR = 1 - TAR, linearly interpolated between ROC points
  double threshold = 0.0;
};
EqualErrorRate equal_error_rate(const Roc& roc);

struct ValAtFar {
  double requested_far = 0.0;
  // The FAR the value was read at: requested_far, or 1 / |P_diff| when the requested FAR is below
  // that (fewer than one false accept would be needed, which the pairs cannot measure).
  double far = 0.0;
  double val = 0.0;        // TAR at `far`, linearly interpolated along the ROC
  double threshold = 0.0;  // interpolated the same way
  bool resolved = true;    // false when `far` had to be raised to 1 / |P_diff|
};

// Reads VAL at `requested_far` in (0, 1]. Where the ROC rises vertically at that FAR the highest
// TAR is taken, i.e. the most accepting threshold whose FAR does not exceed the target.
ValAtFar val_at_far(const Roc& roc, double requested_far);

}  // namespace visage::eval
