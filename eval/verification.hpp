// Face verification as the papers report it. LFW View 2: for each of the 10 folds, the threshold
// that maximises accuracy on the other nine folds is applied to it, and accuracy is reported as the
// mean +/- standard error over the folds; the ROC numbers (AUC, EER, VAL@FAR) come from all pairs
// together. View 1 (one fold) uses a fixed threshold, or the best one on the pairs themselves,
// which is optimistic and reported as such.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "datasets/pairs.hpp"
#include "eval/distance.hpp"
#include "eval/embeddings.hpp"
#include "eval/roc.hpp"
#include "eval/scoring.hpp"

namespace visage::eval {

struct Confusion {
  size_t true_accepts = 0;
  size_t false_accepts = 0;
  size_t true_rejects = 0;
  size_t false_rejects = 0;

  size_t total() const { return true_accepts + false_accepts + true_rejects + false_rejects; }
  double accuracy() const;
};

// Accepts a pair when distance <= threshold.
Confusion confusion_at(std::span<const ScoredPair> pairs, double threshold);

struct ThresholdChoice {
  double threshold = 0.0;
  double accuracy = 0.0;
};

// The operating_points() threshold with the highest accuracy on `pairs`. Ties go to the smallest
// such threshold (the strictest; numpy's argmax over ascending thresholds, as in the FaceNet
// reference evaluation, picks the same one).
ThresholdChoice best_threshold(std::span<const ScoredPair> pairs);

struct FoldStatistics {
  double mean = 0.0;
  double standard_deviation = 0.0;  // sample standard deviation: divides by n - 1, as LFW's σ does
  double standard_error = 0.0;      // standard_deviation / sqrt(n)
};
// Needs at least two values.
FoldStatistics fold_statistics(std::span<const double> values);

struct FoldResult {
  int fold = 0;
  size_t pairs = 0;
  double threshold = 0.0;       // chosen on the other folds
  double train_accuracy = 0.0;  // on the other folds, at that threshold
  double accuracy = 0.0;        // on this fold
};

// Pair folds must lie in [0, num_folds) with num_folds >= 2, and no fold may be empty.
std::vector<FoldResult> cross_validate(std::span<const ScoredPair> pairs, int num_folds);

enum class ThresholdRule {
  kCrossValidated,  // each fold's threshold chosen on the other folds
  kFixed,           // given by the caller
  kBestOnPairs,     // chosen on the evaluated pairs themselves (optimistic)
};
std::string threshold_rule_description(ThresholdRule rule);

struct VerificationOptions {
  std::vector<double> target_fars = {1e-3};
  // Used instead of any threshold search; a single-fold protocol without one falls back to
  // ThresholdRule::kBestOnPairs.
  std::optional<double> fixed_threshold;
};

struct VerificationResult {
  std::string pairs_source;
  Distance metric = Distance::kSquaredL2;
  size_t same_pairs = 0;
  size_t different_pairs = 0;
  ThresholdRule rule = ThresholdRule::kCrossValidated;
  std::vector<FoldResult> folds;  // per fold when cross-validated, else one row for all pairs
  double accuracy = 0.0;          // mean over folds, or the accuracy over all pairs
  std::optional<FoldStatistics> fold_statistics;  // only when cross-validated
  Roc roc;
  double auc = 0.0;
  EqualErrorRate eer;
  std::vector<ValAtFar> val;  // one per options.target_fars, in that order
};

// The whole protocol on distances already computed; `num_folds` as the pairs file declared it.
// pairs_source and metric are left for the caller to fill in.
VerificationResult evaluate_verification(std::span<const ScoredPair> pairs, int num_folds,
                                         const VerificationOptions& options);

// What `visage verify` runs: scores every pair (erroring on any image without an embedding),
// then evaluates; the result records the pairs file and the metric.
VerificationResult evaluate_verification(const data::PairsProtocol& protocol,
                                         const EmbeddingLookup& lookup, Distance metric,
                                         const VerificationOptions& options);

}  // namespace visage::eval
