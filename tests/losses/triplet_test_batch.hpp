// Small P x K batches for the TripletLoss tests (CPU and parity): random L2-normalised embeddings
// and identity labels interleaved (row i has identity i % P), so that positives are not adjacent.
#pragma once

#include <cmath>
#include <string>

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

inline std::string triplet_prototxt(const std::string& mining, const std::string& distance,
                                    float margin = 0.2f) {
  return "type: 'TripletLoss' name: 'triplet' triplet_loss_param { mining: " + mining +
         " distance: " + distance + " margin: " + std::to_string(margin) + " }";
}

}  // namespace visage::testing
