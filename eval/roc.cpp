#include "eval/roc.hpp"

#include "core/error.hpp"

namespace visage::eval {
namespace {

double lerp(double a, double b, double t) { return a + t * (b - a); }

}  // namespace

Roc roc_curve(std::span<const ScoredPair> pairs) {
  const PairCounts counts = count_pairs(pairs);
  VISAGE_CHECK(counts.same > 0 && counts.different > 0,
               "a ROC curve needs both matched and mismatched pairs (got ", counts.same,
               " matched, ", counts.different, " mismatched)");
  Roc roc;
  roc.same_pairs = counts.same;
  roc.different_pairs = counts.different;
  for (const OperatingPoint& point : operating_points(pairs)) {
    roc.points.push_back({point.threshold,
                          static_cast<double>(point.false_accepts) / counts.different,
                          static_cast<double>(point.true_accepts) / counts.same});
  }
  return roc;
}

double area_under_curve(const Roc& roc) {
  double area = 0.0;
  for (size_t i = 1; i < roc.points.size(); ++i) {
    const RocPoint& a = roc.points[i - 1];
    const RocPoint& b = roc.points[i];
    area += (b.far - a.far) * (a.tar + b.tar) / 2.0;
  }
  return area;
}

EqualErrorRate equal_error_rate(const Roc& roc) {
  VISAGE_CHECK(!roc.points.empty(), "equal error rate of an empty ROC curve");
  // FAR - FRR = far + tar - 1 rises from -1 to 1 along the curve; find where it crosses zero.
  const auto imbalance = [](const RocPoint& p) { return p.far + p.tar - 1.0; };
  for (size_t i = 0; i < roc.points.size(); ++i) {
    const RocPoint& b = roc.points[i];
    if (imbalance(b) < 0.0) continue;
    if (i == 0) return {b.far, b.threshold};
    const RocPoint& a = roc.points[i - 1];
    const double t = -imbalance(a) / (imbalance(b) - imbalance(a));
    return {lerp(a.far, b.far, t), lerp(a.threshold, b.threshold, t)};
  }
  fail("ROC curve does not reach FAR + TAR = 1; it must end at (1, 1)");
}

ValAtFar val_at_far(const Roc& roc, double requested_far) {
  VISAGE_CHECK(requested_far > 0.0 && requested_far <= 1.0, "VAL is read at a FAR in (0, 1], got ",
               requested_far);
  VISAGE_CHECK(!roc.points.empty() && roc.different_pairs > 0, "VAL of an empty ROC curve");
  ValAtFar result;
  result.requested_far = requested_far;
  const double smallest = 1.0 / static_cast<double>(roc.different_pairs);
  result.resolved = requested_far >= smallest;
  result.far = result.resolved ? requested_far : smallest;

  // The last point at or below the FAR: the top of any vertical run there.
  size_t below = 0;
  while (below + 1 < roc.points.size() && roc.points[below + 1].far <= result.far) ++below;
  const RocPoint& a = roc.points[below];
  if (a.far == result.far || below + 1 == roc.points.size()) {
    result.val = a.tar;
    result.threshold = a.threshold;
    return result;
  }
  const RocPoint& b = roc.points[below + 1];
  const double t = (result.far - a.far) / (b.far - a.far);
  result.val = lerp(a.tar, b.tar, t);
  result.threshold = lerp(a.threshold, b.threshold, t);
  return result;
}

}  // namespace visage::eval
