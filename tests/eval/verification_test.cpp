#include "eval/verification.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "tests/support/error_of.hpp"

namespace visage::eval {
namespace {

// 10 folds of 300 matched + 300 mismatched pairs, in View 2 order, with distances drawn uniformly
// from the given ranges.
std::vector<ScoredPair> view2_pairs(double same_low, double same_high, double diff_low,
                                    double diff_high, uint64_t seed) {
  Rng rng(seed);
  std::vector<ScoredPair> pairs;
  for (int fold = 0; fold < 10; ++fold) {
    for (int i = 0; i < 600; ++i) {
      const bool same = i < 300;
      const double low = same ? same_low : diff_low;
      const double high = same ? same_high : diff_high;
      pairs.push_back({low + rng.uniform() * (high - low), same, fold});
    }
  }
  return pairs;
}

TEST(EvalDistance, SquaredL2L2AndCosine) {
  const std::vector<float> a = {1, 0};
  const std::vector<float> b = {0, 2};
  EXPECT_DOUBLE_EQ(distance(a, b, Distance::kSquaredL2), 5.0);
  EXPECT_DOUBLE_EQ(distance(a, b, Distance::kL2), std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(distance(a, b, Distance::kCosine), 1.0);
  const std::vector<float> c = {2, 0};
  EXPECT_DOUBLE_EQ(distance(a, c, Distance::kCosine), 0.0);
  const std::vector<float> d = {-3, 0};
  EXPECT_DOUBLE_EQ(distance(a, d, Distance::kCosine), 2.0);
}

TEST(EvalDistance, NamesRoundTripAndUnknownNamesAreErrors) {
  for (const Distance metric : {Distance::kSquaredL2, Distance::kL2, Distance::kCosine}) {
    EXPECT_EQ(parse_distance(distance_name(metric)), metric);
  }
  EXPECT_EQ(parse_distance("euclidean"), Distance::kL2);
  EXPECT_THROW(parse_distance("manhattan"), Error);
  const std::vector<float> a = {1, 0};
  const std::vector<float> b = {1, 0, 0};
  EXPECT_THROW(distance(a, b, Distance::kL2), Error);
}

TEST(EvalVerification, StandardErrorUsesTheSampleStdOverSqrtN) {
  const std::vector<double> values = {1, 2, 3, 4};
  const FoldStatistics stats = fold_statistics(values);
  EXPECT_DOUBLE_EQ(stats.mean, 2.5);
  // sum of squares 5 over n - 1 = 3 (the population std would be sqrt(5 / 4) = 1.118).
  EXPECT_DOUBLE_EQ(stats.standard_deviation, std::sqrt(5.0 / 3.0));
  EXPECT_DOUBLE_EQ(stats.standard_error, std::sqrt(5.0 / 3.0) / 2.0);
  EXPECT_THROW(fold_statistics(std::vector<double>{1.0}), Error);
}

// Two members that each misorder a different pair: their summed distances order both correctly,
// which is why an ensemble of networks on different inputs beats each of them.
TEST(EvalVerification, AnEnsembleSumsItsMembersDistances) {
  const std::vector<ScoredPair> a = {
      {0.2, true, 0}, {0.9, true, 0}, {0.5, false, 1}, {1.0, false, 1}};
  const std::vector<ScoredPair> b = {
      {0.9, true, 0}, {0.2, true, 0}, {1.0, false, 1}, {0.5, false, 1}};
  const std::vector<std::vector<ScoredPair>> members = {a, b};
  const std::vector<ScoredPair> sum = sum_distances(members);
  ASSERT_EQ(sum.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(sum[i].distance, a[i].distance + b[i].distance);
    EXPECT_EQ(sum[i].same, a[i].same);
    EXPECT_EQ(sum[i].fold, a[i].fold);
  }
  EXPECT_DOUBLE_EQ(best_threshold(a).accuracy, 0.75);
  EXPECT_DOUBLE_EQ(best_threshold(b).accuracy, 0.75);
  EXPECT_DOUBLE_EQ(best_threshold(sum).accuracy, 1.0);

  const std::vector<std::vector<ScoredPair>> other_pairs = {
      a, {{0.1, false, 0}, {0.2, true, 0}, {0.3, false, 1}, {0.4, false, 1}}};
  EXPECT_NE(testing::error_of([&] { sum_distances(other_pairs); }).find("pair 1 differs"),
            std::string::npos);
  const std::vector<std::vector<ScoredPair>> shorter = {a, {a[0]}};
  EXPECT_NE(testing::error_of([&] { sum_distances(shorter); }).find("scored 1 pairs"),
            std::string::npos);
}

TEST(EvalVerification, BestThresholdTakesTheSmallestOfTiedMidpoints) {
  // Sorted: 0.3 same, 0.4 different, 0.5 same, 0.6 different: 0.35 and 0.55 both give 3/4.
  const std::vector<ScoredPair> pairs = {{0.3, true}, {0.5, true}, {0.4, false}, {0.6, false}};
  const ThresholdChoice choice = best_threshold(pairs);
  EXPECT_NEAR(choice.threshold, 0.35, 1e-12);
  EXPECT_DOUBLE_EQ(choice.accuracy, 0.75);
}

TEST(EvalVerification, OperatingPointsSitAtMidpointsAndBeyondTheEnds) {
  const std::vector<ScoredPair> pairs = {{1.0, true}, {2.0, false}, {2.0, true}, {4.0, false}};
  const std::vector<OperatingPoint> points = operating_points(pairs);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_DOUBLE_EQ(points[0].threshold, 0.5);  // half the first gap below 1
  EXPECT_DOUBLE_EQ(points[1].threshold, 1.5);
  EXPECT_DOUBLE_EQ(points[2].threshold, 3.0);
  EXPECT_DOUBLE_EQ(points[3].threshold, 5.0);  // half the last gap above 4
  EXPECT_EQ(points[2].true_accepts, 2u);       // the tie at 2.0 enters as one step
  EXPECT_EQ(points[2].false_accepts, 1u);
  EXPECT_EQ(points[3].false_accepts, 2u);
}

TEST(EvalVerification, FoldThresholdsComeFromTheOtherFolds) {
  // Fold 0 alone is best split at 0.5 (accuracy 1); fold 1 alone at 0.35 (3/4, tied with 0.55).
  const std::vector<ScoredPair> pairs = {{0.1, true, 0},  {0.2, true, 0}, {0.8, false, 0},
                                         {0.9, false, 0}, {0.3, true, 1}, {0.5, true, 1},
                                         {0.4, false, 1}, {0.6, false, 1}};
  const std::vector<FoldResult> folds = cross_validate(pairs, 2);
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_NEAR(folds[0].threshold, 0.35, 1e-12);  // chosen on fold 1
  EXPECT_DOUBLE_EQ(folds[0].train_accuracy, 0.75);
  EXPECT_DOUBLE_EQ(folds[0].accuracy, 1.0);
  EXPECT_NEAR(folds[1].threshold, 0.5, 1e-12);  // chosen on fold 0
  EXPECT_DOUBLE_EQ(folds[1].train_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(folds[1].accuracy, 0.75);  // 0.5 accepted (<=), 0.4 falsely accepted

  const VerificationResult result = evaluate_verification(pairs, 2, {});
  EXPECT_EQ(result.rule, ThresholdRule::kCrossValidated);
  ASSERT_TRUE(result.fold_statistics);
  EXPECT_DOUBLE_EQ(result.accuracy, 0.875);
  EXPECT_NEAR(result.fold_statistics->standard_deviation, std::sqrt(2 * 0.125 * 0.125), 1e-12);
  EXPECT_NEAR(result.fold_statistics->standard_error, 0.125, 1e-12);
}

TEST(EvalVerification, PerfectSeparationGivesAccuracyOneAucOneEerZero) {
  const std::vector<ScoredPair> pairs = view2_pairs(0.0, 1.0, 2.0, 3.0, 7);
  VerificationOptions options;
  options.target_fars = {1e-3, 1e-2};
  const VerificationResult result = evaluate_verification(pairs, 10, options);
  ASSERT_EQ(result.folds.size(), 10u);
  for (const FoldResult& fold : result.folds) {
    EXPECT_EQ(fold.pairs, 600u);
    EXPECT_DOUBLE_EQ(fold.accuracy, 1.0);
    EXPECT_GT(fold.threshold, 0.99);
    EXPECT_LT(fold.threshold, 2.01);
  }
  EXPECT_DOUBLE_EQ(result.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(result.fold_statistics->standard_error, 0.0);
  EXPECT_DOUBLE_EQ(result.auc, 1.0);
  EXPECT_DOUBLE_EQ(result.eer.rate, 0.0);
  ASSERT_EQ(result.val.size(), 2u);
  EXPECT_DOUBLE_EQ(result.val[0].val, 1.0);
  EXPECT_TRUE(result.val[0].resolved);
  EXPECT_EQ(result.same_pairs, 3000u);
  EXPECT_EQ(result.different_pairs, 3000u);
}

TEST(EvalVerification, IndistinguishablePairsScoreAboutOneHalf) {
  const std::vector<ScoredPair> pairs = view2_pairs(0.0, 1.0, 0.0, 1.0, 11);
  const VerificationResult result = evaluate_verification(pairs, 10, {});
  EXPECT_NEAR(result.accuracy, 0.5, 0.04);
  EXPECT_NEAR(result.auc, 0.5, 0.03);
  EXPECT_NEAR(result.eer.rate, 0.5, 0.03);
  EXPECT_NEAR(result.val[0].val, 1e-3, 0.01);  // a random ROC is the diagonal
}

TEST(EvalVerification, RandomEmbeddingsScoreAboutOneHalf) {
  // 10 folds of 100 + 100 pairs over images with independent Gaussian 16-D embeddings.
  std::ostringstream file;
  file << "10\t100\n";
  for (int fold = 0; fold < 10; ++fold) {
    for (int i = 0; i < 100; ++i) file << "P" << fold << "_" << i << "\t1\t2\n";
    for (int i = 0; i < 100; ++i) file << "P" << fold << "_" << i << "\t3\tQ" << i << "\t1\n";
  }
  std::istringstream in(file.str());
  const data::PairsProtocol protocol = data::parse_pairs(in, "random");
  Rng rng(17);
  EmbeddingTable table(16);
  for (const std::string& image : data::images_of(protocol)) {
    std::vector<float> vector(16);
    for (float& v : vector) v = rng.gaussian(0, 1);
    table.add(image, vector);
  }
  const VerificationResult result =
      evaluate_verification(protocol, table.lookup(), Distance::kCosine, {});
  EXPECT_NEAR(result.accuracy, 0.5, 0.06);
  EXPECT_NEAR(result.auc, 0.5, 0.06);
  EXPECT_EQ(result.metric, Distance::kCosine);
}

TEST(EvalVerification, FixedThresholdOnOneFold) {
  const std::vector<ScoredPair> pairs = {{0.1, true}, {0.6, true}, {0.4, false}, {0.9, false}};
  const Confusion at_half = confusion_at(pairs, 0.5);
  EXPECT_EQ(at_half.true_accepts, 1u);
  EXPECT_EQ(at_half.false_rejects, 1u);
  EXPECT_EQ(at_half.false_accepts, 1u);
  EXPECT_EQ(at_half.true_rejects, 1u);

  VerificationOptions options;
  options.fixed_threshold = 0.7;
  const VerificationResult fixed = evaluate_verification(pairs, 1, options);
  EXPECT_EQ(fixed.rule, ThresholdRule::kFixed);
  EXPECT_FALSE(fixed.fold_statistics);
  EXPECT_DOUBLE_EQ(fixed.accuracy, 0.75);
  ASSERT_EQ(fixed.folds.size(), 1u);
  EXPECT_DOUBLE_EQ(fixed.folds[0].threshold, 0.7);

  const VerificationResult fitted = evaluate_verification(pairs, 1, {});
  EXPECT_EQ(fitted.rule, ThresholdRule::kBestOnPairs);
  EXPECT_DOUBLE_EQ(fitted.accuracy, 0.75);
  EXPECT_NEAR(fitted.folds[0].threshold, 0.25, 1e-12);  // smallest of 0.25 and 0.75
}

TEST(EvalVerification, CrossValidationRejectsEmptyFolds) {
  const std::vector<ScoredPair> pairs = {{0.1, true, 0}, {0.9, false, 0}};
  EXPECT_THROW(cross_validate(pairs, 2), Error);
  EXPECT_THROW(cross_validate(pairs, 1), Error);
}

TEST(EvalVerification, ScoresPairsFromALookupByImagePath) {
  std::istringstream file("2\t1\nA\t1\t2\nA\t1\tB\t1\nC\t1\t2\nC\t1\tB\t1\n");
  const data::PairsProtocol protocol = data::parse_pairs(file, "pairs.txt");
  EmbeddingTable table(2);
  table.add("A/A_0001.jpg", std::vector<float>{1, 0});
  table.add("A/A_0002.jpg", std::vector<float>{1, 0});
  table.add("B/B_0001.jpg", std::vector<float>{0, 1});
  table.add("C/C_0001.jpg", std::vector<float>{0, 1});
  table.add("C/C_0002.jpg", std::vector<float>{0, 1});
  const std::vector<ScoredPair> scored =
      score_pairs(protocol, table.lookup(), Distance::kSquaredL2);
  ASSERT_EQ(scored.size(), 4u);
  EXPECT_DOUBLE_EQ(scored[0].distance, 0.0);
  EXPECT_DOUBLE_EQ(scored[1].distance, 2.0);
  EXPECT_DOUBLE_EQ(scored[3].distance, 0.0);  // C and B coincide: a false accept
  EXPECT_EQ(scored[2].fold, 1);

  const VerificationResult result =
      evaluate_verification(protocol, table.lookup(), Distance::kSquaredL2, {});
  EXPECT_EQ(result.pairs_source, "pairs.txt");
  EXPECT_DOUBLE_EQ(result.folds[0].accuracy, 0.5);
}

// NaN or infinite embeddings used to score as chance ("Accuracy 0.5000", rc 0): now the pair and
// the cause are named.
TEST(EvalVerification, NonFiniteEmbeddingsAreRefusedNamingThePair) {
  std::istringstream file("1\t1\nA\t1\t2\nA\t1\tB\t1\n");
  const data::PairsProtocol protocol = data::parse_pairs(file, "pairs.txt");
  for (const float bad : {std::nanf(""), INFINITY}) {
    for (const Distance metric : {Distance::kSquaredL2, Distance::kCosine}) {
      EmbeddingTable table(2);
      table.add("A/A_0001.jpg", std::vector<float>{1, 0});
      table.add("A/A_0002.jpg", std::vector<float>{bad, 0});
      table.add("B/B_0001.jpg", std::vector<float>{0, 1});
      const std::string message =
          testing::error_of([&] { score_pairs(protocol, table.lookup(), metric); });
      EXPECT_TRUE(
          testing::says(message, "pair A/A_0001.jpg / A/A_0002.jpg: an embedding holds NaN"));
    }
  }
}

TEST(EvalVerification, PerFoldModelsScoreOnlyTheirOwnFold) {
  std::istringstream text("2\t1\nA\t1\t2\nA\t1\tB\t1\nC\t1\t2\nC\t1\tD\t1\n");
  const data::PairsProtocol protocol = data::parse_pairs(text, "pairs.txt");
  // Model 0 knows fold 0's images, model 1 fold 1's; each places them differently.
  EmbeddingTable first(1);
  EmbeddingTable second(1);
  const float zero = 0.0f;
  const float one = 1.0f;
  const float three = 3.0f;
  first.add("A/A_0001.jpg", std::span(&zero, 1));
  first.add("A/A_0002.jpg", std::span(&one, 1));
  first.add("B/B_0001.jpg", std::span(&three, 1));
  second.add("C/C_0001.jpg", std::span(&zero, 1));
  second.add("C/C_0002.jpg", std::span(&zero, 1));
  second.add("D/D_0001.jpg", std::span(&one, 1));
  const std::vector<EmbeddingLookup> lookups = {first.lookup(), second.lookup()};
  const std::vector<ScoredPair> scored = score_pairs_by_fold(protocol, lookups, Distance::kL2);
  ASSERT_EQ(scored.size(), 4u);
  EXPECT_DOUBLE_EQ(scored[0].distance, 1.0);
  EXPECT_DOUBLE_EQ(scored[1].distance, 3.0);
  EXPECT_DOUBLE_EQ(scored[2].distance, 0.0);
  EXPECT_DOUBLE_EQ(scored[3].distance, 1.0);
  EXPECT_EQ(scored[3].fold, 1);
  // A fold's model does not answer for another fold's images, and the count must match.
  const std::vector<EmbeddingLookup> swapped = {second.lookup(), first.lookup()};
  EXPECT_THROW(score_pairs_by_fold(protocol, swapped, Distance::kL2), Error);
  EXPECT_THROW(score_pairs_by_fold(protocol, std::span(lookups).first(1), Distance::kL2), Error);
}

TEST(EvalVerification, AnImageWithoutAnEmbeddingIsAnErrorNamingIt) {
  std::istringstream file("1\nA\t1\t2\nA\t1\tB\t3\n");
  const data::PairsProtocol protocol = data::parse_pairs(file, "pairs.txt");
  EmbeddingTable table(2);
  table.add("A/A_0001.jpg", std::vector<float>{1, 0});
  table.add("A/A_0002.jpg", std::vector<float>{1, 0});
  try {
    score_pairs(protocol, table.lookup(), Distance::kSquaredL2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "1 image(s) named by pairs.txt have no embedding: B/B_0003.jpg");
  }
}

TEST(EvalEmbeddingTable, RejectsWrongDimensionsAndDuplicates) {
  EmbeddingTable table(3);
  table.add("a.jpg", std::vector<float>{1, 2, 3});
  EXPECT_THROW(table.add("b.jpg", std::vector<float>{1, 2}), Error);
  EXPECT_THROW(table.add("a.jpg", std::vector<float>{1, 2, 3}), Error);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.find("b.jpg").empty());
  EXPECT_EQ(table.find("a.jpg")[2], 3.0f);
}

TEST(EvalEmbeddingTable, DimensionZeroIsTakenFromTheFirstVector) {
  EmbeddingTable table;
  EXPECT_TRUE(table.lookup()("a.jpg").empty());
  EXPECT_THROW(table.add("a.jpg", std::vector<float>{}), Error);
  table.add("a.jpg", std::vector<float>{1, 2});
  EXPECT_EQ(table.dim(), 2u);
  EXPECT_THROW(table.add("b.jpg", std::vector<float>{1, 2, 3}), Error);
}

}  // namespace
}  // namespace visage::eval
