#include "losses/triplet_mining.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/math.hpp"

namespace visage::triplet {
namespace {

int label_at(std::span<const float> labels, int64_t i) { return static_cast<int>(labels[i]); }

// A distance to the anchor and the index of the other embedding, ordered by distance then index so
// that minima go to the lowest index among equal distances, as closer() does on the GPU.
using Candidate = std::pair<float, int>;

void use(Tally& tally, std::span<float> coefficients, int64_t n, Triplet t, float positive,
         float negative, float margin) {
  if (tally.add_triplet(positive, negative, margin)) {
    coefficients[t.anchor * n + t.positive] += 1.0f;
    coefficients[t.anchor * n + t.negative] -= 1.0f;
  }
}

// SEMI_HARD's choice for each pair: the closest negative farther than the positive (semi-hard
// when inside the margin, otherwise easy with zero loss); when every negative is at most as far as
// the positive, the farthest negative (the least hard of the hard ones). One sweep over the
// negatives per anchor: with the positives sorted by distance, a negative at distance v is a
// candidate for exactly the positives closer than v, a prefix of them; it is recorded at the
// prefix's end, and suffix minima then give every positive its closest farther negative.
void mine_semi_hard(std::span<const float> dist, std::span<const float> labels, int64_t n,
                    float margin, std::span<float> coefficients, std::vector<Triplet>& mined,
                    Tally& tally) {
  constexpr Candidate kNone{std::numeric_limits<float>::infinity(),
                            std::numeric_limits<int>::max()};
  std::vector<Candidate> positives;
  std::vector<Candidate> closest_farther;
  for (int a = 0; a < n; ++a) {
    const auto row = dist.subspan(a * n, n);
    const int label = label_at(labels, a);
    positives.clear();
    for (int j = 0; j < n; ++j) {
      if (j != a && label_at(labels, j) == label) positives.emplace_back(row[j], j);
    }
    tally[kSumPairs] += static_cast<double>(positives.size());
    if (positives.empty()) continue;
    std::ranges::sort(positives);
    closest_farther.assign(positives.size(), kNone);
    Pick farthest;
    for (int j = 0; j < n; ++j) {
      if (label_at(labels, j) == label) continue;
      const float v = row[j];
      if (farther({v, j}, farthest)) farthest = {v, j};
      const auto not_closer = std::ranges::lower_bound(positives, v, {}, &Candidate::first);
      if (not_closer == positives.begin()) continue;
      Candidate& slot = closest_farther[not_closer - positives.begin() - 1];
      slot = std::min(slot, Candidate{v, j});
    }
    if (farthest.index < 0) continue;
    for (std::size_t i = positives.size() - 1; i-- > 0;) {
      closest_farther[i] = std::min(closest_farther[i], closest_farther[i + 1]);
    }
    for (std::size_t i = 0; i < positives.size(); ++i) {
      const Pick chosen = closest_farther[i] == kNone
                              ? farthest
                              : Pick{closest_farther[i].first, closest_farther[i].second};
      const Triplet t{a, positives[i].second, chosen.index};
      mined.push_back(t);
      use(tally, coefficients, n, t, positives[i].first, chosen.value, margin);
    }
  }
}

void mine_hard(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
               std::span<float> coefficients, std::vector<Triplet>& mined, Tally& tally) {
  for (int a = 0; a < n; ++a) {
    const auto row = dist.subspan(a * n, n);
    Pick positive;
    Pick negative;
    for (int j = 0; j < n; ++j) {
      if (j == a) continue;
      const Pick c{row[j], j};
      if (label_at(labels, j) == label_at(labels, a)) {
        tally[kSumPairs] += 1;
        if (farther(c, positive)) positive = c;
      } else if (closer(c, negative)) {
        negative = c;
      }
    }
    if (positive.index < 0 || negative.index < 0) continue;
    const Triplet t{a, positive.index, negative.index};
    mined.push_back(t);
    use(tally, coefficients, n, t, positive.value, negative.value, margin);
  }
}

void mine_all(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
              std::span<float> coefficients, Tally& tally) {
  for (int a = 0; a < n; ++a) {
    const auto row = dist.subspan(a * n, n);
    for (int p = 0; p < n; ++p) {
      if (p == a || label_at(labels, p) != label_at(labels, a)) continue;
      tally[kSumPairs] += 1;
      for (int j = 0; j < n; ++j) {
        if (label_at(labels, j) == label_at(labels, a)) continue;
        use(tally, coefficients, n, {a, p, j}, row[p], row[j], margin);
      }
    }
  }
}

}  // namespace

std::vector<std::string> stat_names() {
  return {"pairs", "active", "semi_hard", "hard", "easy", "d_ap", "d_an"};
}

void pairwise_distances(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<float> dist, std::span<float> squared_norms) {
  cpu::gemm(cpu::Trans::no, cpu::Trans::yes, n, n, dim, 1.0f, x.data(), x.data(), 0.0f,
            dist.data());
  for (int64_t i = 0; i < n; ++i) squared_norms[i] = dist[i * n + i];
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float& d = dist[i * n + j];
      d = distance_from_gram(distance, d, squared_norms[i], squared_norms[j]);
    }
  }
}

Tally mine(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
           Mining mining, std::span<float> coefficients, std::vector<Triplet>& mined) {
  std::ranges::fill(coefficients, 0.0f);
  Tally tally;
  switch (mining) {
    case proto::TripletLossParameter::SEMI_HARD:
      mine_semi_hard(dist, labels, n, margin, coefficients, mined, tally);
      break;
    case proto::TripletLossParameter::HARD:
      mine_hard(dist, labels, n, margin, coefficients, mined, tally);
      break;
    case proto::TripletLossParameter::ALL:
      mine_all(dist, labels, n, margin, coefficients, tally);
      break;
  }
  return tally;
}

void embedding_gradient(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<const float> dist, std::span<const float> squared_norms,
                        std::span<const float> coefficients, float scale, std::span<float> weights,
                        std::span<float> grad) {
  std::vector<float> diagonal(n);
  for (int64_t k = 0; k < n; ++k) {
    double r = 0;
    for (int64_t j = 0; j < n; ++j) {
      const float s = coefficients[k * n + j] + coefficients[j * n + k];
      const GradientTerm term =
          gradient_term(distance, s, dist[k * n + j], squared_norms[k], squared_norms[j]);
      weights[k * n + j] = scale * term.weight;
      r += term.diagonal;
    }
    diagonal[k] = scale * static_cast<float>(r);
  }
  cpu::gemm(cpu::Trans::no, cpu::Trans::no, n, dim, n, -1.0f, weights.data(), x.data(), 0.0f,
            grad.data());
  for (int64_t k = 0; k < n; ++k) {
    cpu::axpy(dim, diagonal[k], x.data() + k * dim, grad.data() + k * dim);
  }
}

}  // namespace visage::triplet
