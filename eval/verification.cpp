#include "eval/verification.hpp"

#include <cmath>

#include "core/error.hpp"

namespace visage::eval {

double Confusion::accuracy() const {
  VISAGE_CHECK(total() > 0, "accuracy of no pairs");
  return static_cast<double>(true_accepts + true_rejects) / static_cast<double>(total());
}

Confusion confusion_at(std::span<const ScoredPair> pairs, double threshold) {
  Confusion confusion;
  for (const ScoredPair& pair : pairs) {
    const bool accepted = pair.distance <= threshold;
    if (pair.same) {
      (accepted ? confusion.true_accepts : confusion.false_rejects) += 1;
    } else {
      (accepted ? confusion.false_accepts : confusion.true_rejects) += 1;
    }
  }
  return confusion;
}

ThresholdChoice best_threshold(std::span<const ScoredPair> pairs) {
  const PairCounts counts = count_pairs(pairs);
  const double total = static_cast<double>(pairs.size());
  ThresholdChoice best{0.0, -1.0};
  for (const OperatingPoint& point : operating_points(pairs)) {
    const size_t correct = point.true_accepts + (counts.different - point.false_accepts);
    const double accuracy = static_cast<double>(correct) / total;
    // Strictly greater: the first (smallest) threshold wins a tie.
    if (accuracy > best.accuracy) best = {point.threshold, accuracy};
  }
  return best;
}

FoldStatistics fold_statistics(std::span<const double> values) {
  VISAGE_CHECK(values.size() >= 2, "fold statistics need at least two folds, got ", values.size());
  const double n = static_cast<double>(values.size());
  double sum = 0.0;
  for (const double v : values) sum += v;
  const double mean = sum / n;
  double squares = 0.0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  const double deviation = std::sqrt(squares / (n - 1.0));
  return {mean, deviation, deviation / std::sqrt(n)};
}

std::vector<FoldResult> cross_validate(std::span<const ScoredPair> pairs, int num_folds) {
  VISAGE_CHECK(num_folds >= 2, "cross-validation needs at least two folds, got ", num_folds);
  std::vector<std::vector<ScoredPair>> held_out(num_folds);
  for (const ScoredPair& pair : pairs) {
    VISAGE_CHECK(pair.fold >= 0 && pair.fold < num_folds, "pair in fold ", pair.fold,
                 " outside the ", num_folds, " folds");
    held_out[pair.fold].push_back(pair);
  }
  std::vector<FoldResult> results;
  for (int fold = 0; fold < num_folds; ++fold) {
    VISAGE_CHECK(!held_out[fold].empty(), "fold ", fold + 1, " of ", num_folds, " has no pairs");
    std::vector<ScoredPair> training;
    training.reserve(pairs.size() - held_out[fold].size());
    for (const ScoredPair& pair : pairs) {
      if (pair.fold != fold) training.push_back(pair);
    }
    const ThresholdChoice choice = best_threshold(training);
    results.push_back({fold, held_out[fold].size(), choice.threshold, choice.accuracy,
                       confusion_at(held_out[fold], choice.threshold).accuracy()});
  }
  return results;
}

std::string threshold_rule_description(ThresholdRule rule) {
  switch (rule) {
    case ThresholdRule::kCrossValidated:
      return "each fold's threshold maximises accuracy on the other folds";
    case ThresholdRule::kFixed:
      return "fixed threshold";
    case ThresholdRule::kBestOnPairs:
      return "threshold maximises accuracy on the evaluated pairs themselves (optimistic)";
  }
  fail("invalid ThresholdRule value ", static_cast<int>(rule));
}

VerificationResult evaluate_verification(std::span<const ScoredPair> pairs, int num_folds,
                                         const VerificationOptions& options) {
  VerificationResult result;
  const PairCounts counts = count_pairs(pairs);
  result.same_pairs = counts.same;
  result.different_pairs = counts.different;

  if (options.fixed_threshold || num_folds < 2) {
    const double threshold =
        options.fixed_threshold ? *options.fixed_threshold : best_threshold(pairs).threshold;
    result.rule = options.fixed_threshold ? ThresholdRule::kFixed : ThresholdRule::kBestOnPairs;
    result.accuracy = confusion_at(pairs, threshold).accuracy();
    result.folds.push_back({0, pairs.size(), threshold, result.accuracy, result.accuracy});
  } else {
    result.rule = ThresholdRule::kCrossValidated;
    result.folds = cross_validate(pairs, num_folds);
    std::vector<double> accuracies;
    for (const FoldResult& fold : result.folds) accuracies.push_back(fold.accuracy);
    result.fold_statistics = fold_statistics(accuracies);
    result.accuracy = result.fold_statistics->mean;
  }

  result.roc = roc_curve(pairs);
  result.auc = area_under_curve(result.roc);
  result.eer = equal_error_rate(result.roc);
  for (const double far : options.target_fars) result.val.push_back(val_at_far(result.roc, far));
  return result;
}

VerificationResult evaluate_verification(const data::PairsProtocol& protocol,
                                         const EmbeddingLookup& lookup, Distance metric,
                                         const VerificationOptions& options) {
  const std::vector<ScoredPair> scored = score_pairs(protocol, lookup, metric);
  VerificationResult result = evaluate_verification(scored, protocol.num_folds, options);
  result.pairs_source = protocol.source;
  result.metric = metric;
  return result;
}

}  // namespace visage::eval
