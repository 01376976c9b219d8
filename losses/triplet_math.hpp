// The per-element formulas of TripletLoss, written once for both halves: losses/triplet_mining.cpp
// calls them from its loops, cuda/triplet_loss.cu from its kernels, and only the searches (the
// traversal of the distance matrix) differ. Every operation is rounded on its own
// (core/rounded_math.hpp): one fused multiply-add on one side is enough to move a distance by a
// float step and make semi-hard mining pick a different negative.
#pragma once

#include "core/host_device.hpp"
#include "core/rounded_math.hpp"
#include "proto/visage.pb.h"

namespace visage::triplet {

using Distance = proto::TripletLossParameter::Distance;
using Mining = proto::TripletLossParameter::Mining;

// Below this norm an embedding has no direction; cosine terms treat it as having norm kTinyNorm.
inline constexpr float kTinyNorm = 1e-12f;

VISAGE_HOST_DEVICE inline float inverse_norm(float squared_norm) {
  const float norm = rounded::sqrt(rounded::clamp_at_zero(squared_norm));
  return rounded::div(1.0f, norm > kTinyNorm ? norm : kTinyNorm);
}

// The distance of embeddings i and j from their Gram entry g_ij = x_i . x_j and the squared norms
// g_ii and g_jj (the Gram matrix's diagonal, used as they are): squared L2 is
// g_ii + g_jj - 2 g_ij clamped at 0, L2 its square root, cosine 1 - g_ij / (|x_i| |x_j|).
VISAGE_HOST_DEVICE inline float distance_from_gram(Distance distance, float gram, float squared_i,
                                                   float squared_j) {
  using namespace rounded;
  if (distance == proto::TripletLossParameter::COSINE) {
    const float cosine = mul(mul(gram, inverse_norm(squared_i)), inverse_norm(squared_j));
    return clamp_at_zero(sub(1.0f, cosine));
  }
  const float squared = clamp_at_zero(sub(add(squared_i, squared_j), mul(2.0f, gram)));
  return distance == proto::TripletLossParameter::L2 ? sqrt(squared) : squared;
}

// A candidate of a search: a distance to the anchor and the index of the other embedding
// (index < 0: none yet). Ties go to the lower index on both halves.
struct Pick {
  float value = 0.0f;
  int index = -1;
};

VISAGE_HOST_DEVICE inline bool closer(Pick a, Pick b) {
  return b.index < 0 ||
         (a.index >= 0 && (a.value < b.value || (a.value == b.value && a.index < b.index)));
}

VISAGE_HOST_DEVICE inline bool farther(Pick a, Pick b) {
  return b.index < 0 ||
         (a.index >= 0 && (a.value > b.value || (a.value == b.value && a.index < b.index)));
}

// Layout of the optional statistics top. Fractions and means are over the considered triplets:
// the mined ones for SEMI_HARD and HARD, every valid (anchor, positive, negative) for ALL.
enum Stat : int {
  kPairs,         // anchor-positive pairs (ordered) in the batch
  kActive,        // considered triplets with a positive hinge (they carry gradient)
  kSemiHard,      // fraction with d(a,p) < d(a,n) < d(a,p) + margin
  kHard,          // fraction with d(a,n) <= d(a,p)
  kEasy,          // fraction with d(a,n) >= d(a,p) + margin
  kMeanPositive,  // mean d(a,p)
  kMeanNegative,  // mean d(a,n)
  kNumStats
};

// What mining adds up, per anchor and then over the batch.
enum Sum : int {
  kSumPairs,
  kSumConsidered,
  kSumActive,
  kSumSemiHard,
  kSumHard,
  kSumEasy,
  kSumPositive,
  kSumNegative,
  kSumLoss,
  kNumSums
};

// Running sums of the considered triplets: float within a GPU warp, double over the batch.
template <typename T>
struct Sums {
  T values[kNumSums] = {};

  VISAGE_HOST_DEVICE T& operator[](int i) { return values[i]; }
  VISAGE_HOST_DEVICE T operator[](int i) const { return values[i]; }

  // Counts triplet (a, p, n) with d(a,p) = positive, d(a,n) = negative; returns whether its hinge
  // positive - negative + margin is positive (then it carries gradient).
  VISAGE_HOST_DEVICE bool add_triplet(float positive, float negative, float margin) {
    values[kSumConsidered] += 1;
    values[kSumPositive] += positive;
    values[kSumNegative] += negative;
    const float hinge = rounded::add(rounded::sub(positive, negative), margin);
    if (negative <= positive) {
      values[kSumHard] += 1;
    } else if (negative < rounded::add(positive, margin)) {
      values[kSumSemiHard] += 1;
    } else {
      values[kSumEasy] += 1;
    }
    if (!(hinge > 0)) return false;
    values[kSumActive] += 1;
    values[kSumLoss] += hinge;
    return true;
  }
};

// The loss, its divisor and the statistics of a batch's sums. The divisor is the number of mined
// triplets (SEMI_HARD, HARD) or of active ones (ALL), at least 1.
struct Summary {
  float loss;
  float normalizer;
  float stats[kNumStats];
};

VISAGE_HOST_DEVICE inline Summary summarize(const Sums<double>& sums, Mining mining) {
  const double counted =
      mining == proto::TripletLossParameter::ALL ? sums[kSumActive] : sums[kSumConsidered];
  const double divisor = counted > 1.0 ? counted : 1.0;
  const double per = 1.0 / (sums[kSumConsidered] > 1.0 ? sums[kSumConsidered] : 1.0);
  Summary out{};
  out.loss = static_cast<float>(sums[kSumLoss] / divisor);
  out.normalizer = static_cast<float>(divisor);
  out.stats[kPairs] = static_cast<float>(sums[kSumPairs]);
  out.stats[kActive] = static_cast<float>(sums[kSumActive]);
  out.stats[kSemiHard] = static_cast<float>(sums[kSumSemiHard] * per);
  out.stats[kHard] = static_cast<float>(sums[kSumHard] * per);
  out.stats[kEasy] = static_cast<float>(sums[kSumEasy] * per);
  out.stats[kMeanPositive] = static_cast<float>(sums[kSumPositive] * per);
  out.stats[kMeanNegative] = static_cast<float>(sums[kSumNegative] * per);
  return out;
}

// One term of the backward pass (losses/triplet_mining.hpp): with S = C + C^T,
//   dL/dx_k = r_k x_k - sum_j M_kj x_j,
// and this gives M_kj and the pair's term of r_k, from s = S_kj, the distance d = d_kj and the
// squared norms of x_k and x_j:
//   squared L2: d/dx_k ||x_k - x_j||^2 = 2 (x_k - x_j)   M_kj = 2 s, r term M_kj
//   L2:         d/dx_k ||x_k - x_j|| = (x_k - x_j) / d    M_kj = s / d (0 at d = 0), r term M_kj
//   cosine:     d/dx_k (1 - cos_kj) = cos_kj x_k / |x_k|^2 - x_j / (|x_k| |x_j|)
//               M_kj = s / (|x_k| |x_j|), r term s cos_kj / |x_k|^2
struct GradientTerm {
  float weight;    // M_kj
  float diagonal;  // the pair's term of r_k
};

VISAGE_HOST_DEVICE inline GradientTerm gradient_term(Distance distance, float s, float d,
                                                     float squared_k, float squared_j) {
  using namespace rounded;
  if (distance == proto::TripletLossParameter::SQUARED_L2) {
    const float m = mul(2.0f, s);
    return {m, m};
  }
  if (distance == proto::TripletLossParameter::L2) {
    const float m = d > 0 ? div(s, d) : 0.0f;
    return {m, m};
  }
  const float inv_k = inverse_norm(squared_k);
  return {mul(mul(s, inv_k), inverse_norm(squared_j)),
          mul(mul(mul(s, sub(1.0f, d)), inv_k), inv_k)};
}

}  // namespace visage::triplet
