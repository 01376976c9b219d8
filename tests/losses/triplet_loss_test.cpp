#include "losses/triplet_loss.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "losses/triplet_mining.hpp"
#include "tests/losses/triplet_test_batch.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using Row = std::vector<double>;

// The reference: distances straight from their definitions in double, triplets enumerated one by
// one following the rules stated in losses/triplet_loss.hpp, gradients from per-triplet formulas.
struct Reference {
  double loss = 0;
  std::vector<double> stats = std::vector<double>(triplet::kNumStats, 0.0);
  std::vector<double> grad;
};

Row row_of(const Tensor& x, int i) {
  const auto dim = x.count(1);
  return Row(x.data().begin() + i * dim, x.data().begin() + (i + 1) * dim);
}

double dot(const Row& a, const Row& b) {
  double s = 0;
  for (std::size_t c = 0; c < a.size(); ++c) s += a[c] * b[c];
  return s;
}

double distance(const std::string& kind, const Row& a, const Row& b) {
  const double squared = dot(a, a) + dot(b, b) - 2 * dot(a, b);
  if (kind == "SQUARED_L2") return squared;
  if (kind == "L2") return std::sqrt(squared);
  return 1 - dot(a, b) / std::sqrt(dot(a, a) * dot(b, b));
}

// d/da d(a, b).
Row distance_gradient(const std::string& kind, const Row& a, const Row& b) {
  Row g(a.size());
  const double d = distance(kind, a, b);
  const double na = std::sqrt(dot(a, a));
  const double nb = std::sqrt(dot(b, b));
  for (std::size_t c = 0; c < a.size(); ++c) {
    if (kind == "SQUARED_L2") g[c] = 2 * (a[c] - b[c]);
    if (kind == "L2") g[c] = (a[c] - b[c]) / d;
    if (kind == "COSINE") g[c] = (1 - d) * a[c] / (na * na) - b[c] / (na * nb);
  }
  return g;
}

Reference brute_force(const Tensor& x, const Tensor& labels, const std::string& mining,
                      const std::string& kind, double margin) {
  const int n = static_cast<int>(x.dim(0));
  const auto dim = x.count(1);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) rows.push_back(row_of(x, i));
  auto d = [&](int i, int j) { return distance(kind, rows[i], rows[j]); };
  auto same = [&](int i, int j) { return labels.data()[i] == labels.data()[j]; };

  // Every considered triplet, whether its hinge is positive or not.
  struct Considered {
    int a, p, n;
  };
  std::vector<Considered> considered;
  Reference ref;
  for (int a = 0; a < n; ++a) {
    std::vector<int> positives, negatives;
    for (int j = 0; j < n; ++j) {
      if (j != a && same(a, j)) positives.push_back(j);
      if (!same(a, j)) negatives.push_back(j);
    }
    ref.stats[triplet::kPairs] += static_cast<double>(positives.size());
    if (positives.empty() || negatives.empty()) continue;
    if (mining == "HARD") {
      const int p = *std::ranges::max_element(positives, {}, [&](int j) { return d(a, j); });
      const int m = *std::ranges::min_element(negatives, {}, [&](int j) { return d(a, j); });
      considered.push_back({a, p, m});
      continue;
    }
    for (int p : positives) {
      if (mining == "ALL") {
        for (int m : negatives) considered.push_back({a, p, m});
        continue;
      }
      const double dap = d(a, p);
      const auto closest_where = [&](auto keep) {
        int best = -1;
        for (int m : negatives) {
          if (keep(d(a, m)) && (best < 0 || d(a, m) < d(a, best))) best = m;
        }
        return best;
      };
      int best = closest_where([&](double dan) { return dap < dan && dan < dap + margin; });
      if (best < 0) best = closest_where([&](double dan) { return dan >= dap + margin; });
      if (best < 0) {
        best = *std::ranges::max_element(negatives, {}, [&](int j) { return d(a, j); });
      }
      considered.push_back({a, p, best});
    }
  }

  ref.grad.assign(n * dim, 0.0);
  double active = 0;
  for (const auto& t : considered) {
    const double dap = d(t.a, t.p);
    const double dan = d(t.a, t.n);
    ref.stats[triplet::kMeanPositive] += dap;
    ref.stats[triplet::kMeanNegative] += dan;
    ref.stats[dan <= dap ? triplet::kHard
                         : (dan < dap + margin ? triplet::kSemiHard : triplet::kEasy)] += 1;
    const double hinge = dap - dan + margin;
    if (hinge <= 0) continue;
    active += 1;
    ref.loss += hinge;
    const auto add = [&](int i, const Row& g, double sign) {
      for (int64_t c = 0; c < dim; ++c) ref.grad[i * dim + c] += sign * g[c];
    };
    add(t.a, distance_gradient(kind, rows[t.a], rows[t.p]), 1);
    add(t.p, distance_gradient(kind, rows[t.p], rows[t.a]), 1);
    add(t.a, distance_gradient(kind, rows[t.a], rows[t.n]), -1);
    add(t.n, distance_gradient(kind, rows[t.n], rows[t.a]), -1);
  }
  const double count = static_cast<double>(considered.size());
  const double normalizer = std::max(1.0, mining == "ALL" ? active : count);
  ref.loss /= normalizer;
  for (double& g : ref.grad) g /= normalizer;
  ref.stats[triplet::kActive] = active;
  for (int s : {triplet::kSemiHard, triplet::kHard, triplet::kEasy, triplet::kMeanPositive,
                triplet::kMeanNegative}) {
    ref.stats[s] /= std::max(1.0, count);
  }
  return ref;
}

struct Case {
  std::string mining;
  std::string distance;
};

class TripletLossExact : public ::testing::TestWithParam<Case> {};

TEST_P(TripletLossExact, MatchesBruteForceEnumeration) {
  const auto& [mining, kind] = GetParam();
  Context ctx = Context::cpu();
  for (uint64_t seed : {11u, 12u, 13u}) {
    TensorList bottom = triplet_batch(4, 3, 8, seed);
    TensorList top(2);
    auto layer = make_layer(triplet_prototxt(mining, kind));
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    const Reference ref = brute_force(bottom[0], bottom[1], mining, kind, 0.2);
    EXPECT_NEAR(top[0].data()[0], ref.loss, 1e-5 + 1e-5 * ref.loss) << "seed " << seed;
    for (int s = 0; s < triplet::kNumStats; ++s) {
      EXPECT_NEAR(top[1].data()[s], ref.stats[s], 1e-5 + 1e-5 * std::abs(ref.stats[s]))
          << "statistic " << s << ", seed " << seed;
    }
    EXPECT_GT(ref.stats[triplet::kActive], 0) << "the case should exercise the gradient";

    const float loss_weight = 0.7f;
    top[0].mutable_diff()[0] = loss_weight;
    layer->backward(ctx, top, {true, false}, bottom);
    const auto grad = bottom[0].diff();
    for (std::size_t i = 0; i < grad.size(); ++i) {
      EXPECT_NEAR(grad[i], loss_weight * ref.grad[i], 2e-5) << "element " << i << ", seed " << seed;
    }
  }
}

TEST_P(TripletLossExact, GradientMatchesFiniteDifferences) {
  const auto& [mining, kind] = GetParam();
  Context ctx = Context::cpu();
  TensorList bottom = triplet_batch(4, 3, 8, 21);
  TensorList top(2);
  auto layer = make_layer(triplet_prototxt(mining, kind));
  layer->setup(ctx, bottom, top);
  // A small step keeps every mining choice and hinge sign fixed; steps that flip one are skipped.
  GradientCheckOptions options;
  options.step = 1e-3f;
  options.rel_tolerance = 2e-2f;
  options.abs_tolerance = 2e-3f;
  options.kink_at_argmax_change = true;
  options.objective_tops = {0};
  EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, options));
}

INSTANTIATE_TEST_SUITE_P(AllModes, TripletLossExact,
                         ::testing::Values(Case{"SEMI_HARD", "SQUARED_L2"}, Case{"SEMI_HARD", "L2"},
                                           Case{"SEMI_HARD", "COSINE"}, Case{"HARD", "SQUARED_L2"},
                                           Case{"HARD", "L2"}, Case{"HARD", "COSINE"},
                                           Case{"ALL", "SQUARED_L2"}, Case{"ALL", "L2"},
                                           Case{"ALL", "COSINE"}),
                         [](const auto& test) {
                           return test.param.mining + "_" + test.param.distance;
                         });

// The GPU parity test's premise (tests/losses/triplet_loss_gpu_test.cpp): this batch's squared
// distances are exact, whatever order a GEMM sums in, and its negatives come in every kind.
TEST(TripletLossDyadicBatch, HasExactDistancesAndEveryKindOfNegative) {
  const int n = 240;
  const int dim = 128;
  TensorList bottom = dyadic_triplet_batch(6, 40, dim, 32);
  std::vector<float> dist(n * n);
  std::vector<float> squared_norms(n);
  triplet::pairwise_distances(bottom[0].data(), n, dim, proto::TripletLossParameter::SQUARED_L2,
                              dist, squared_norms);
  const auto x = bottom[0].data();
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double exact = 0;
      for (int c = 0; c < dim; ++c) {
        const double diff = double{x[i * dim + c]} - double{x[j * dim + c]};
        exact += diff * diff;
      }
      ASSERT_EQ(dist[i * n + j], exact) << "pair " << i << ", " << j;
    }
  }
  Context ctx = Context::cpu();
  TensorList top(2);
  auto layer = make_layer(triplet_prototxt("ALL", "SQUARED_L2", kDyadicBatchMargin));
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  for (int kind : {triplet::kSemiHard, triplet::kHard, triplet::kEasy}) {
    EXPECT_GT(top[1].data()[kind], 0.1) << triplet::stat_names()[kind];
  }
}

// One-dimensional embeddings, identities 0, 0, then one face each of identities 1, 2, 3, so that
// the only anchor-positive pairs are (0, 1) and (1, 0).
struct TripletCase {
  TensorList bottom{{{5, 1}, {5}}};
  TensorList top{2};
  std::unique_ptr<Layer> layer = make_layer(triplet_prototxt("SEMI_HARD", "SQUARED_L2"));
  Context ctx = Context::cpu();

  explicit TripletCase(const std::vector<float>& positions) {
    set_values(bottom[0], positions);
    set_values(bottom[1], {0, 0, 1, 2, 3});
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
  }
  const std::vector<triplet::Triplet>& mined() const {
    return static_cast<const TripletLossLayer&>(*layer).mined_triplets();
  }
  float stat(int s) const { return top[1].data()[s]; }
};

TEST(TripletLossSemiHard, TakesTheClosestSemiHardNegativeElseTheClosestEasyOne) {
  // Pair (0, 1): d(a,p) = 0.09; negatives at 0.1225 and 0.16 are semi-hard, 1.21 is easy.
  // Pair (1, 0): d(a,p) = 0.09; negatives at 0.0025 (hard), 0.49 and 0.64 (easy): no semi-hard one,
  // so the closest easy negative (index 3), with zero loss.
  TripletCase c({0.0f, 0.3f, 0.35f, -0.4f, 1.1f});
  ASSERT_EQ(c.mined().size(), 2u);
  EXPECT_EQ(c.mined()[0].negative, 2);
  EXPECT_EQ(c.mined()[1].negative, 3);
  EXPECT_NEAR(c.top[0].data()[0], (0.09 - 0.1225 + 0.2) / 2, 1e-6);
  EXPECT_EQ(c.stat(triplet::kPairs), 2);
  EXPECT_EQ(c.stat(triplet::kActive), 1);
  EXPECT_NEAR(c.stat(triplet::kSemiHard), 0.5, 1e-6);
  EXPECT_NEAR(c.stat(triplet::kHard), 0.0, 1e-6);
  EXPECT_NEAR(c.stat(triplet::kEasy), 0.5, 1e-6);
  EXPECT_NEAR(c.stat(triplet::kMeanPositive), 0.09, 1e-6);
  EXPECT_NEAR(c.stat(triplet::kMeanNegative), (0.1225 + 0.49) / 2, 1e-6);
}

TEST(TripletLossSemiHard, FallsBackToTheFarthestNegativeWhenAllAreHard) {
  // Pair (0, 1): d(a,p) = 1; negatives at 0.25, 0.64, 0.09 are all closer: the farthest, 0.64
  // (index 3), gives loss 1 - 0.64 + 0.2. Pair (1, 0): the negative at 1.69 is easy: loss 0.
  TripletCase c({0.0f, 1.0f, 0.5f, 0.8f, -0.3f});
  ASSERT_EQ(c.mined().size(), 2u);
  EXPECT_EQ(c.mined()[0].negative, 3);
  EXPECT_EQ(c.mined()[1].negative, 4);
  EXPECT_NEAR(c.top[0].data()[0], (1.0 - 0.64 + 0.2) / 2, 1e-6);
  EXPECT_EQ(c.stat(triplet::kActive), 1);
  EXPECT_NEAR(c.stat(triplet::kHard), 0.5, 1e-6);
  EXPECT_NEAR(c.stat(triplet::kEasy), 0.5, 1e-6);
  EXPECT_NEAR(c.stat(triplet::kMeanNegative), (0.64 + 1.69) / 2, 1e-6);

  // Only the active triplet (0, 1, 3) carries gradient: d/dx of (x0 - x1)^2 - (x0 - x3)^2, halved.
  c.top[0].mutable_diff()[0] = 1.0f;
  c.layer->backward(c.ctx, c.top, {true, false}, c.bottom);
  const auto g = c.bottom[0].diff();
  EXPECT_NEAR(g[0], (2 * (0.0 - 1.0) - 2 * (0.0 - 0.8)) / 2, 1e-5);
  EXPECT_NEAR(g[1], 2 * (1.0 - 0.0) / 2, 1e-5);
  EXPECT_NEAR(g[2], 0.0, 1e-6);
  EXPECT_NEAR(g[3], -2 * (0.8 - 0.0) / 2, 1e-5);
  EXPECT_NEAR(g[4], 0.0, 1e-6);
}

TEST(TripletLoss, BatchOfOneIdentityHasNoTripletsAndZeroLoss) {
  Context ctx = Context::cpu();
  TensorList bottom = triplet_batch(1, 4, 8, 5);
  TensorList top(2);
  auto layer = make_layer(triplet_prototxt("SEMI_HARD", "SQUARED_L2"));
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].data()[0], 0.0f);
  EXPECT_EQ(top[1].data()[triplet::kPairs], 12.0f);
  EXPECT_EQ(top[1].data()[triplet::kActive], 0.0f);
  top[0].mutable_diff()[0] = 1.0f;
  layer->backward(ctx, top, {true, false}, bottom);
  for (float g : bottom[0].diff()) EXPECT_EQ(g, 0.0f);
}

TEST(TripletLoss, RejectsLabelsThatDoNotMatchTheBatchNamingTheLayer) {
  Context ctx = Context::cpu();
  TensorList bottom({{6, 4}, {5}});
  TensorList top(1);
  auto layer = make_layer(triplet_prototxt("SEMI_HARD", "SQUARED_L2"));
  try {
    layer->setup(ctx, bottom, top);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("layer 'triplet' (TripletLoss)"), std::string::npos) << message;
    EXPECT_NE(message.find("expected 6 labels"), std::string::npos) << message;
  }
}

TEST(TripletLoss, IsALossWithoutGradientForLabels) {
  auto layer = make_layer(triplet_prototxt("SEMI_HARD", "SQUARED_L2"));
  EXPECT_TRUE(layer->is_loss());
  EXPECT_TRUE(layer->can_backward_to(0));
  EXPECT_FALSE(layer->can_backward_to(1));
}

}  // namespace
}  // namespace visage::testing
