#include "losses/triplet_mining.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/math.hpp"

namespace visage::triplet {
namespace {

// Below this norm an embedding has no direction; cosine terms treat it as having norm kTinyNorm.
constexpr float kTinyNorm = 1e-12f;

int label_at(std::span<const float> labels, int64_t i) { return static_cast<int>(labels[i]); }

// A distance to the anchor and the index of the other embedding, ordered by distance then index so
// that minima go to the lowest index among equal distances (the GPU kernels break ties the same
// way).
using Candidate = std::pair<float, int>;

void use(Tally& tally, std::span<float> coefficients, int64_t n, Triplet t, float positive,
         float negative, float margin) {
  tally.add(positive, negative, margin);
  if (positive - negative + margin > 0) {
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
    tally.pairs += static_cast<double>(positives.size());
    if (positives.empty()) continue;
    std::ranges::sort(positives);
    closest_farther.assign(positives.size(), kNone);
    Candidate farthest = kNone;
    for (int j = 0; j < n; ++j) {
      if (label_at(labels, j) == label) continue;
      const Candidate c{row[j], j};
      if (farthest == kNone || c.first > farthest.first) farthest = c;
      const auto closer = std::ranges::lower_bound(positives, c.first, {}, &Candidate::first);
      if (closer == positives.begin()) continue;
      Candidate& slot = closest_farther[closer - positives.begin() - 1];
      slot = std::min(slot, c);
    }
    if (farthest == kNone) continue;
    for (std::size_t i = positives.size() - 1; i-- > 0;) {
      closest_farther[i] = std::min(closest_farther[i], closest_farther[i + 1]);
    }
    for (std::size_t i = 0; i < positives.size(); ++i) {
      const Candidate& chosen = closest_farther[i] == kNone ? farthest : closest_farther[i];
      const Triplet t{a, positives[i].second, chosen.second};
      mined.push_back(t);
      use(tally, coefficients, n, t, positives[i].first, chosen.first, margin);
    }
  }
}

void mine_hard(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
               std::span<float> coefficients, std::vector<Triplet>& mined, Tally& tally) {
  for (int a = 0; a < n; ++a) {
    const auto row = dist.subspan(a * n, n);
    int positive = -1;
    int negative = -1;
    for (int j = 0; j < n; ++j) {
      if (j == a) continue;
      if (label_at(labels, j) == label_at(labels, a)) {
        tally.pairs += 1;
        if (positive < 0 || row[j] > row[positive]) positive = j;
      } else if (negative < 0 || row[j] < row[negative]) {
        negative = j;
      }
    }
    if (positive < 0 || negative < 0) continue;
    const Triplet t{a, positive, negative};
    mined.push_back(t);
    use(tally, coefficients, n, t, row[positive], row[negative], margin);
  }
}

void mine_all(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
              std::span<float> coefficients, Tally& tally) {
  for (int a = 0; a < n; ++a) {
    const auto row = dist.subspan(a * n, n);
    for (int p = 0; p < n; ++p) {
      if (p == a || label_at(labels, p) != label_at(labels, a)) continue;
      tally.pairs += 1;
      for (int j = 0; j < n; ++j) {
        if (label_at(labels, j) == label_at(labels, a)) continue;
        use(tally, coefficients, n, {a, p, j}, row[p], row[j], margin);
      }
    }
  }
}

float inverse_norm(float norm) { return 1.0f / std::max(norm, kTinyNorm); }

}  // namespace

void Tally::add(float positive, float negative, float margin) {
  considered += 1;
  sum_positive += positive;
  sum_negative += negative;
  const float hinge = positive - negative + margin;
  if (hinge > 0) {
    active += 1;
    loss += hinge;
  }
  if (negative <= positive) {
    hard += 1;
  } else if (negative < positive + margin) {
    semi_hard += 1;
  } else {
    easy += 1;
  }
}

double Tally::normalizer(Mining mining) const {
  return std::max(1.0, mining == proto::TripletLossParameter::ALL ? active : considered);
}

std::vector<std::string> stat_names() {
  return {"pairs", "active", "semi_hard", "hard", "easy", "d_ap", "d_an"};
}

std::array<float, kNumStats> Tally::stats() const {
  const double per = 1.0 / std::max(1.0, considered);
  std::array<float, kNumStats> out{};
  out[kPairs] = static_cast<float>(pairs);
  out[kActive] = static_cast<float>(active);
  out[kSemiHard] = static_cast<float>(semi_hard * per);
  out[kHard] = static_cast<float>(hard * per);
  out[kEasy] = static_cast<float>(easy * per);
  out[kMeanPositive] = static_cast<float>(sum_positive * per);
  out[kMeanNegative] = static_cast<float>(sum_negative * per);
  return out;
}

void pairwise_distances(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<float> dist, std::span<float> norms) {
  cpu::gemm(cpu::Trans::no, cpu::Trans::yes, n, n, dim, 1.0f, x.data(), x.data(), 0.0f,
            dist.data());
  std::vector<float> squared(n);
  for (int64_t i = 0; i < n; ++i) {
    squared[i] = dist[i * n + i];
    norms[i] = std::sqrt(std::max(squared[i], 0.0f));
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float& d = dist[i * n + j];
      switch (distance) {
        case proto::TripletLossParameter::SQUARED_L2:
          d = std::max(squared[i] + squared[j] - 2.0f * d, 0.0f);
          break;
        case proto::TripletLossParameter::L2:
          d = std::sqrt(std::max(squared[i] + squared[j] - 2.0f * d, 0.0f));
          break;
        case proto::TripletLossParameter::COSINE:
          d = std::max(1.0f - d * inverse_norm(norms[i]) * inverse_norm(norms[j]), 0.0f);
          break;
      }
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

// M and r of the header's formula, times `scale`:
//   squared L2: d/dx_k ||x_k - x_j||^2 = 2 (x_k - x_j)        -> M_kj = 2 S_kj
//   L2:         d/dx_k ||x_k - x_j||   = (x_k - x_j) / d_kj   -> M_kj = S_kj / d_kj (0 at d = 0)
//   cosine:     d/dx_k (1 - cos_kj)    = cos_kj x_k / |x_k|^2 - x_j / (|x_k| |x_j|)
// r_k = sum_j M_kj for the first two; for cosine r_k = sum_j S_kj cos_kj / |x_k|^2.
void embedding_gradient(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<const float> dist, std::span<const float> norms,
                        std::span<const float> coefficients, float scale, std::span<float> weights,
                        std::span<float> grad) {
  std::vector<float> diagonal(n);
  for (int64_t k = 0; k < n; ++k) {
    double r = 0;
    const float inv_k = inverse_norm(norms[k]);
    for (int64_t j = 0; j < n; ++j) {
      const float s = coefficients[k * n + j] + coefficients[j * n + k];
      const float d = dist[k * n + j];
      float m = 0;
      switch (distance) {
        case proto::TripletLossParameter::SQUARED_L2:
          m = 2.0f * s;
          r += m;
          break;
        case proto::TripletLossParameter::L2:
          m = d > 0 ? s / d : 0.0f;
          r += m;
          break;
        case proto::TripletLossParameter::COSINE:
          m = s * inv_k * inverse_norm(norms[j]);
          r += s * (1.0f - d) * inv_k * inv_k;
          break;
      }
      weights[k * n + j] = scale * m;
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
