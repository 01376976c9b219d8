// Small P x K batches for the TripletLoss tests (CPU and parity): random L2-normalised embeddings
// and identity labels interleaved (row i has identity i % P), so that positives are not adjacent.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {

inline TensorList triplet_batch(int identities, int per_identity, int dim, uint64_t seed) {
  const int n = identities * per_identity;
  TensorList bottom({{n, dim}, {n}});
  fill_gaussian(bottom[0], seed);
  auto x = bottom[0].mutable_data();
  for (int i = 0; i < n; ++i) {
    double norm = 0;
    for (int c = 0; c < dim; ++c) norm += double{x[i * dim + c]} * x[i * dim + c];
    for (int c = 0; c < dim; ++c)
      x[i * dim + c] = static_cast<float>(x[i * dim + c] / std::sqrt(norm));
  }
  auto labels = bottom[1].mutable_data();
  for (int i = 0; i < n; ++i) labels[i] = static_cast<float>(i % identities);
  return bottom;
}

// A P x K batch whose Gram matrix every summation order computes exactly: each row is its
// identity's centre plus noise, every entry a multiple of 1/64 below 1/4 in magnitude, so that
// products are multiples of 2^-12 and sums of up to 2^11 of them stay within float's 24 bits.
// Distances then agree bit for bit between any two GEMMs, and so must the mining. In squared L2,
// positives lie near 0.25 and negatives near 0.29, both spread by about 0.03: with
// kDyadicBatchMargin, hard, semi-hard and easy negatives are all common.
inline constexpr float kDyadicBatchMargin = 0.05f;

inline TensorList dyadic_triplet_batch(int identities, int per_identity, int dim, uint64_t seed) {
  const int n = identities * per_identity;
  TensorList bottom({{n, dim}, {n}});
  Rng rng(seed);
  const auto step = [&](int reach) {
    return static_cast<float>(static_cast<int>(rng.below(2 * reach + 1)) - reach) / 64.0f;
  };
  std::vector<float> centres(static_cast<std::size_t>(identities) * dim);
  for (float& c : centres) c = step(1);
  auto x = bottom[0].mutable_data();
  auto labels = bottom[1].mutable_data();
  for (int i = 0; i < n; ++i) {
    labels[i] = static_cast<float>(i % identities);
    for (int c = 0; c < dim; ++c) x[i * dim + c] = centres[(i % identities) * dim + c] + step(3);
  }
  return bottom;
}

inline std::string triplet_prototxt(const std::string& mining, const std::string& distance,
                                    float margin = 0.2f) {
  return "type: 'TripletLoss' name: 'triplet' triplet_loss_param { mining: " + mining +
         " distance: " + distance + " margin: " + std::to_string(margin) + " }";
}

}  // namespace visage::testing
