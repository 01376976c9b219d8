#include "eval/scoring.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace visage::eval {
namespace {

// The midpoint of a < b, kept strictly below b so that `distance <= midpoint` never accepts b even
// when a and b are adjacent doubles.
double midpoint(double a, double b) {
  const double mid = a + (b - a) / 2.0;
  return mid < b ? mid : a;
}

}  // namespace

namespace {

// Scores every pair with the lookup `lookup_for(pair)` chooses; a missing embedding is an error.
template <typename ChooseLookup>
std::vector<ScoredPair> score_each_pair(const data::PairsProtocol& protocol, Distance metric,
                                        ChooseLookup lookup_for) {
  std::set<std::string> missing;
  std::vector<ScoredPair> scored;
  scored.reserve(protocol.pairs.size());
  for (const data::ImagePair& pair : protocol.pairs) {
    const EmbeddingLookup& lookup = lookup_for(pair);
    const std::span<const float> first = lookup(pair.first);
    const std::span<const float> second = lookup(pair.second);
    if (first.empty()) missing.insert(pair.first);
    if (second.empty()) missing.insert(pair.second);
    if (first.empty() || second.empty()) continue;
    const double d = with_context(concat("pair ", pair.first, " / ", pair.second),
                                  [&] { return distance(first, second, metric); });
    scored.push_back({d, pair.same, pair.fold});
  }
  if (!missing.empty()) {
    constexpr size_t kNamed = 10;
    std::string names;
    size_t named = 0;
    for (const std::string& image : missing) {
      if (named++ == kNamed) break;
      names += (names.empty() ? "" : ", ") + image;
    }
    fail(missing.size(), " image(s) named by ", protocol.source, " have no embedding: ", names,
         missing.size() > kNamed ? ", ..." : "");
  }
  return scored;
}

}  // namespace

std::vector<ScoredPair> score_pairs(const data::PairsProtocol& protocol,
                                    const EmbeddingLookup& lookup, Distance metric) {
  return score_each_pair(protocol, metric,
                         [&](const data::ImagePair&) -> const EmbeddingLookup& { return lookup; });
}

std::vector<ScoredPair> score_pairs_by_fold(const data::PairsProtocol& protocol,
                                            std::span<const EmbeddingLookup> lookup_by_fold,
                                            Distance metric) {
  VISAGE_CHECK(lookup_by_fold.size() == static_cast<size_t>(protocol.num_folds), protocol.source,
               " has ", protocol.num_folds, " folds but ", lookup_by_fold.size(),
               " per-fold embeddings were given");
  return score_each_pair(protocol, metric,
                         [&](const data::ImagePair& pair) -> const EmbeddingLookup& {
                           return lookup_by_fold[static_cast<size_t>(pair.fold)];
                         });
}

std::vector<ScoredPair> sum_distances(std::span<const std::vector<ScoredPair>> members) {
  VISAGE_CHECK(!members.empty(), "an ensemble needs at least one member");
  std::vector<ScoredPair> sum = members.front();
  for (size_t m = 1; m < members.size(); ++m) {
    VISAGE_CHECK(members[m].size() == sum.size(), "ensemble member ", m + 1, " scored ",
                 members[m].size(), " pairs, member 1 ", sum.size());
    for (size_t i = 0; i < sum.size(); ++i) {
      const ScoredPair& pair = members[m][i];
      VISAGE_CHECK(pair.same == sum[i].same && pair.fold == sum[i].fold, "ensemble member ", m + 1,
                   " scored other pairs than member 1 (pair ", i + 1, " differs)");
      sum[i].distance += pair.distance;
    }
  }
  return sum;
}

std::vector<OperatingPoint> operating_points(std::span<const ScoredPair> pairs) {
  VISAGE_CHECK(!pairs.empty(), "no pairs to threshold");
  std::vector<ScoredPair> sorted(pairs.begin(), pairs.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const ScoredPair& a, const ScoredPair& b) { return a.distance < b.distance; });

  const double lowest = sorted.front().distance;
  const double highest = sorted.back().distance;
  double first_gap = 0.5;
  double last_gap = 0.5;
  const auto second =
      std::upper_bound(sorted.begin(), sorted.end(), lowest,
                       [](double v, const ScoredPair& p) { return v < p.distance; });
  if (second != sorted.end()) {
    first_gap = (second->distance - lowest) / 2.0;
    const auto below_highest =
        std::lower_bound(sorted.begin(), sorted.end(), highest,
                         [](const ScoredPair& p, double v) { return p.distance < v; });
    last_gap = (highest - std::prev(below_highest)->distance) / 2.0;
  }

  std::vector<OperatingPoint> points;
  points.push_back({lowest - first_gap, 0, 0});
  OperatingPoint current;
  for (size_t i = 0; i < sorted.size(); ++i) {
    (sorted[i].same ? current.true_accepts : current.false_accepts) += 1;
    const bool group_ends = i + 1 == sorted.size() || sorted[i + 1].distance != sorted[i].distance;
    if (!group_ends) continue;
    current.threshold = i + 1 == sorted.size()
                            ? highest + last_gap
                            : midpoint(sorted[i].distance, sorted[i + 1].distance);
    points.push_back(current);
  }
  return points;
}

PairCounts count_pairs(std::span<const ScoredPair> pairs) {
  PairCounts counts;
  for (const ScoredPair& pair : pairs) (pair.same ? counts.same : counts.different) += 1;
  return counts;
}

}  // namespace visage::eval
