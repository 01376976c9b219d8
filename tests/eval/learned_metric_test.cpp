#include "eval/learned_metric.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "core/hdf5.hpp"
#include "core/hdf5_atomic.hpp"
#include "core/rng.hpp"
#include "eval/distance.hpp"
#include "eval/learned_metric_file.hpp"
#include "eval/metric_training_set.hpp"
#include "eval/pca.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/same_bytes.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/toy_embeddings.hpp"

namespace visage::eval {
namespace {

using testing::error_of;
using testing::says;
using testing::toy_embeddings;
using testing::ToyEmbeddings;
constexpr size_t kDim = ToyEmbeddings::kDim;
constexpr size_t kIdentityDims = ToyEmbeddings::kIdentityDims;

// Verification accuracy over every pair of rows at the best threshold on cosine distance, as the
// mean of the matched and the mismatched pairs' accuracies (there are far more mismatched ones).
double best_balanced_accuracy(const std::vector<float>& values, size_t dim,
                              const std::vector<int64_t>& labels) {
  std::vector<std::pair<double, bool>> pairs;
  const size_t n = labels.size();
  size_t same = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double d = distance(std::span(values).subspan(i * dim, dim),
                                std::span(values).subspan(j * dim, dim), Distance::kCosine);
      pairs.emplace_back(d, labels[i] == labels[j]);
      same += labels[i] == labels[j];
    }
  }
  std::ranges::sort(pairs);
  const double different = static_cast<double>(pairs.size() - same);
  // Accepting the first t pairs: true accepts among them, true rejects among the rest.
  double best = 0.5;
  size_t accepted_same = 0;
  for (size_t t = 0; t < pairs.size(); ++t) {
    accepted_same += pairs[t].second;
    const double rejected_different = different - static_cast<double>(t + 1 - accepted_same);
    best = std::max(best, 0.5 * (static_cast<double>(accepted_same) / static_cast<double>(same) +
                                 rejected_different / different));
  }
  return best;
}

TEST(LearnedMetric, SeparatesToyPeopleThatRawCosineCannot) {
  // Fitted on 20 people, measured on 20 others.
  const ToyEmbeddings train = toy_embeddings(0, 20, 10);
  const ToyEmbeddings test = toy_embeddings(20, 20, 10);
  const LearnedMetric metric = fit_learned_metric(train.values, kDim, train.labels, {});
  EXPECT_EQ(metric.input_dim, kDim);
  EXPECT_EQ(metric.pca_dims, kDim);
  EXPECT_EQ(metric.output_dim, kDim);  // min(20 - 1, 16)
  EXPECT_EQ(metric.identities, 20u);
  EXPECT_EQ(metric.images, 200u);

  const double raw = best_balanced_accuracy(test.values, kDim, test.labels);
  const double learned = best_balanced_accuracy(apply_learned_metric(metric, test.values, kDim),
                                                metric.output_dim, test.labels);
  // Keeping only as many LDA directions as the data have identity dimensions drops 12 directions
  // of (whitened) nuisance that dilute the cosine.
  LearnedMetricOptions top;
  top.lda_dims = kIdentityDims;
  const LearnedMetric top_metric = fit_learned_metric(train.values, kDim, train.labels, top);
  const double learned_top = best_balanced_accuracy(
      apply_learned_metric(top_metric, test.values, kDim), kIdentityDims, test.labels);
  // What a metric that knew the identity dimensions would reach, less the training mean.
  std::vector<float> oracle_values;
  for (size_t row = 0; row < test.labels.size(); ++row) {
    for (size_t i = 0; i < kIdentityDims; ++i) {
      oracle_values.push_back(test.values[row * kDim + i] - metric.mean[i]);
    }
  }
  const double oracle = best_balanced_accuracy(oracle_values, kIdentityDims, test.labels);
  std::printf(
      "toy verification accuracy (cosine, 20 unseen people): raw %.4f; learned metric %.4f "
      "(16 LDA dims), %.4f (4 LDA dims); knowing the identity dims %.4f\n",
      raw, learned, learned_top, oracle);
  EXPECT_LT(raw, 0.60);
  EXPECT_GT(learned - raw, 0.3);
  EXPECT_GT(learned_top, 0.99);
  EXPECT_GT(learned_top, oracle - 0.01);
}

TEST(LearnedMetric, PcaWhiteningGivesIdentityCovarianceOnTrainingData) {
  const ToyEmbeddings toy = toy_embeddings(0, 20, 10);
  const size_t n = toy.labels.size();
  for (const bool whiten : {true, false}) {
    const Pca pca = fit_pca(toy.values, n, kDim, 0, whiten);
    ASSERT_EQ(pca.output_dim, kDim);
    const size_t p = pca.output_dim;
    std::vector<double> projected(n * p, 0.0);
    for (size_t row = 0; row < n; ++row) {
      for (size_t i = 0; i < kDim; ++i) {
        const double x = toy.values[row * kDim + i] - pca.mean[i];
        for (size_t j = 0; j < p; ++j) projected[row * p + j] += x * pca.map[i * p + j];
      }
    }
    for (size_t a = 0; a < p; ++a) {
      for (size_t b = 0; b < p; ++b) {
        double covariance = 0.0;
        for (size_t row = 0; row < n; ++row) {
          covariance += projected[row * p + a] * projected[row * p + b];
        }
        covariance /= static_cast<double>(n - 1);
        // Without whitening: diagonal, with the variances PCA reports.
        const double expected = a != b ? 0.0 : (whiten ? 1.0 : pca.variances[a]);
        EXPECT_NEAR(covariance, expected, 1e-9 * std::max(1.0, std::abs(expected)))
            << (whiten ? "whitened" : "not whitened") << " (" << a << ", " << b << ")";
      }
    }
    EXPECT_TRUE(std::ranges::is_sorted(pca.variances, std::greater<>()));
  }
}

TEST(LearnedMetric, InvariantToAnInvertibleLinearMapOfTheEmbeddings) {
  // x -> x A + c with A random (well conditioned): whitening undoes A up to a rotation, and LDA's
  // directions do not depend on the rotation, so the projected test vectors agree up to the sign
  // of each output dimension. A metric that used raw coordinates anywhere would not.
  const ToyEmbeddings train = toy_embeddings(0, 20, 10);
  const ToyEmbeddings test = toy_embeddings(20, 5, 4);
  Rng rng(11);
  std::vector<float> a(kDim * kDim);
  for (size_t i = 0; i < kDim; ++i) {
    for (size_t j = 0; j < kDim; ++j) a[i * kDim + j] = rng.gaussian(0, 1) + (i == j ? 4.0f : 0);
  }
  const auto mapped = [&](const std::vector<float>& values) {
    std::vector<float> out(values.size(), 0.0f);
    for (size_t row = 0; row < values.size() / kDim; ++row) {
      for (size_t j = 0; j < kDim; ++j) {
        double sum = 3.0;  // the offset c
        for (size_t i = 0; i < kDim; ++i) sum += values[row * kDim + i] * a[i * kDim + j];
        out[row * kDim + j] = static_cast<float>(sum);
      }
    }
    return out;
  };
  // The largest difference between the two fits' outputs on test data, up to the sign of each
  // output dimension, relative to the largest output.
  const auto difference = [&](bool whiten) {
    LearnedMetricOptions options;
    options.lda_dims = kIdentityDims;
    options.whiten = whiten;
    const LearnedMetric plain = fit_learned_metric(train.values, kDim, train.labels, options);
    const LearnedMetric transformed =
        fit_learned_metric(mapped(train.values), kDim, train.labels, options);
    const std::vector<float> expected = apply_learned_metric(plain, test.values, kDim);
    const std::vector<float> got = apply_learned_metric(transformed, mapped(test.values), kDim);
    double largest = 0.0;
    double worst = 0.0;
    for (size_t j = 0; j < kIdentityDims; ++j) {
      const double sign = (got[j] * expected[j] < 0) ? -1.0 : 1.0;
      for (size_t row = 0; row < test.labels.size(); ++row) {
        const size_t at = row * kIdentityDims + j;
        largest = std::max(largest, std::abs(static_cast<double>(expected[at])));
        worst = std::max(worst, std::abs(sign * got[at] - expected[at]));
      }
    }
    return worst / largest;
  };
  const double whitened = difference(true);
  const double unwhitened = difference(false);
  std::printf("relative change under x -> xA + c: %.2g whitened, %.2g without whitening\n",
              whitened, unwhitened);
  // Float rounding of the mapped inputs, amplified by the 100:1 nuisance-to-identity scale.
  EXPECT_LT(whitened, 1e-3);
  // Without whitening the ridge on Sw is added in A's coordinates, so A changes the result.
  EXPECT_GT(unwhitened, 10 * whitened);
}

TEST(LearnedMetric, FitIsDeterministic) {
  const ToyEmbeddings toy = toy_embeddings(0, 20, 10);
  const LearnedMetric first = fit_learned_metric(toy.values, kDim, toy.labels, {});
  const LearnedMetric second = fit_learned_metric(toy.values, kDim, toy.labels, {});
  EXPECT_TRUE(testing::same_bytes(first.projection, second.projection));
  EXPECT_TRUE(testing::same_bytes(first.mean, second.mean));
}

TEST(LearnedMetric, FileRoundTripIsBitIdentical) {
  const testing::TempFolder dir;
  const ToyEmbeddings toy = toy_embeddings(0, 20, 10);
  LearnedMetricOptions options;
  options.pca_dims = 12;
  options.lda_dims = 5;
  options.regularisation = 0.1 / 3;  // no short decimal: the attribute must carry it exactly
  options.whiten = false;
  const LearnedMetric metric = fit_learned_metric(toy.values, kDim, toy.labels, options);
  write_learned_metric(metric, "toy", dir / "m.h5");
  const LearnedMetric read = read_learned_metric(dir / "m.h5");
  EXPECT_TRUE(testing::same_bytes(read.projection, metric.projection));
  EXPECT_TRUE(testing::same_bytes(read.mean, metric.mean));
  EXPECT_EQ(read.input_dim, kDim);
  EXPECT_EQ(read.pca_dims, 12u);
  EXPECT_EQ(read.output_dim, 5u);
  EXPECT_EQ(read.options.pca_dims, 12);
  EXPECT_EQ(read.options.lda_dims, 5);
  EXPECT_EQ(read.options.regularisation, 0.1 / 3);
  EXPECT_FALSE(read.options.whiten);
  EXPECT_EQ(read.identities, 20u);
  EXPECT_EQ(read.images, 200u);
  const hdf5::File file = hdf5::File::open(dir / "m.h5");
  EXPECT_TRUE(file.sealed());
  EXPECT_EQ(file.string_attribute("fitted_on"), "toy");

  hdf5::write_atomically(dir / "other.h5", [](hdf5::File& f) { f.set_attribute("x", int64_t{1}); });
  EXPECT_TRUE(
      says(error_of([&] { read_learned_metric(dir / "other.h5"); }), "not a learned metric"));
}

TEST(LearnedMetric, ClearErrors) {
  const ToyEmbeddings toy = toy_embeddings(0, 20, 10);
  const auto fit_error = [](const std::vector<float>& values, const std::vector<int64_t>& labels,
                            LearnedMetricOptions options = {}) {
    return error_of([&] { fit_learned_metric(values, kDim, labels, options); });
  };
  const ToyEmbeddings one = toy_embeddings(0, 1, 10);
  EXPECT_TRUE(says(fit_error(one.values, one.labels), "at least 2 identities"));
  const ToyEmbeddings singletons = toy_embeddings(0, 20, 1);
  EXPECT_TRUE(says(fit_error(singletons.values, singletons.labels), "identity with 2 images"));
  std::vector<float> poisoned = toy.values;
  poisoned[37 * kDim + 5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(says(fit_error(poisoned, toy.labels), "embedding 37 has a non-finite value"));
  EXPECT_TRUE(
      says(fit_error(std::vector<float>(toy.values.size(), 0.5f), toy.labels), "all identical"));
  LearnedMetricOptions too_many;
  too_many.pca_dims = 17;
  EXPECT_TRUE(says(fit_error(toy.values, toy.labels, too_many),
                   "17 dimensions asked for, but the 200 embeddings span only 16"));
  too_many = {};
  too_many.lda_dims = 17;
  EXPECT_TRUE(says(fit_error(toy.values, toy.labels, too_many), "give at most 16"));
  LearnedMetricOptions negative;
  negative.regularisation = -1;
  EXPECT_TRUE(says(fit_error(toy.values, toy.labels, negative), "regularisation -1"));
  EXPECT_TRUE(
      says(error_of([&] { fit_learned_metric(toy.values, kDim, {}, {}); }), "no embeddings"));
  const LearnedMetric metric = fit_learned_metric(toy.values, kDim, toy.labels, {});
  EXPECT_TRUE(says(error_of([&] { apply_learned_metric(metric, std::vector<float>(8), 8); }),
                   "fitted on embeddings of dimension 16, applied to ones of dimension 8"));
}

// A pairs file of 3 folds; fold f's pairs name persons 10f .. 10f+9.
data::PairsProtocol three_folds() {
  std::ostringstream text;
  text << "3\t5\n";
  for (int fold = 0; fold < 3; ++fold) {
    for (int i = 0; i < 5; ++i) {
      const int person = 10 * fold + i;
      text << "person" << person << "\t1\t2\n";
    }
    for (int i = 0; i < 5; ++i) {
      const int person = 10 * fold + i;
      text << "person" << person << "\t1\tperson" << person + 5 << "\t1\n";
    }
  }
  std::istringstream in(text.str());
  return data::parse_pairs(in, "three_folds");
}

EmbeddingTable table_of(const ToyEmbeddings& toy, const std::vector<int64_t>& poisoned_people) {
  EmbeddingTable table(kDim);
  std::vector<int> image(1000, 0);
  for (size_t row = 0; row < toy.labels.size(); ++row) {
    const int64_t person = toy.labels[row];
    std::vector<float> vector(toy.values.begin() + static_cast<ptrdiff_t>(row * kDim),
                              toy.values.begin() + static_cast<ptrdiff_t>((row + 1) * kDim));
    if (std::ranges::find(poisoned_people, person) != poisoned_people.end()) {
      std::ranges::fill(vector, std::numeric_limits<float>::quiet_NaN());
    }
    table.add(testing::toy_image_path(person, ++image[person]), vector);
  }
  return table;
}

TEST(LearnedMetric, FoldIsolationNeverReadsTheHeldOutFold) {
  // Persons 0-29 are in the pairs' folds, 30-34 in none (LFW's people outside View 2).
  const data::PairsProtocol protocol = three_folds();
  const ToyEmbeddings toy = toy_embeddings(0, 35, 6);
  const std::set<std::string> allowed = training_identities(protocol, 0);
  ASSERT_EQ(allowed.size(), 20u);
  EXPECT_FALSE(allowed.contains("person0"));
  EXPECT_FALSE(allowed.contains("person9"));
  EXPECT_TRUE(allowed.contains("person10"));
  EXPECT_TRUE(allowed.contains("person29"));
  EXPECT_FALSE(allowed.contains("person30"));

  // Fold 1's people (0-9) poisoned with NaN: the fit would fail on reading any of them.
  std::vector<int64_t> fold_one_people(10);
  for (int64_t i = 0; i < 10; ++i) fold_one_people[i] = i;
  const EmbeddingTable poisoned = table_of(toy, fold_one_people);
  const EmbeddingTable clean = table_of(toy, {});
  const LabelledEmbeddings from_poisoned = select_by_identity(poisoned, allowed);
  const LabelledEmbeddings from_clean = select_by_identity(clean, allowed);
  EXPECT_EQ(from_poisoned.labels.size(), 20u * 6);
  EXPECT_EQ(from_poisoned.identities.size(), 20u);
  const LearnedMetric metric =
      fit_learned_metric(from_poisoned.values, kDim, from_poisoned.labels, {});
  const LearnedMetric reference =
      fit_learned_metric(from_clean.values, kDim, from_clean.labels, {});
  EXPECT_TRUE(testing::same_bytes(metric.projection, reference.projection));
  EXPECT_TRUE(testing::same_bytes(metric.mean, reference.mean));
  EXPECT_EQ(metric.identities, 20u);

  // The same table without the selection does read them.
  const LabelledEmbeddings everything = select_by_identity(poisoned, std::nullopt);
  EXPECT_EQ(everything.identities.size(), 35u);
  EXPECT_TRUE(
      says(error_of([&] { fit_learned_metric(everything.values, kDim, everything.labels, {}); }),
           "non-finite value"));
  EXPECT_TRUE(says(error_of([] { identity_of_path("loose.png"); }), "is in no folder"));
  EXPECT_TRUE(says(error_of([&] { training_identities(protocol, 3); }), "no fold 4"));
}

}  // namespace
}  // namespace visage::eval
