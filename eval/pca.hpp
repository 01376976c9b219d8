// Principal component analysis of embeddings, optionally whitening: the first stage of the learned
// metric (eval/learned_metric.hpp), separate so that its own property (whitened training data has
// identity covariance) can be checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace visage::eval {

struct Pca {
  size_t input_dim = 0;           // D
  size_t output_dim = 0;          // p
  std::vector<double> mean;       // D
  std::vector<double> map;        // D x p row-major: x -> (x - mean) map
  std::vector<double> variances;  // p, of the kept directions, largest first
};

// `embeddings` is n x dim row-major and finite. Keeps `dims` directions (0: every non-degenerate
// one: variance above 1e-9 of the largest, at most n - 1 of them), each scaled to unit variance
// when `whiten`. The covariance is the sample covariance (divided by n - 1). Throws when the data
// have no variance or fewer non-degenerate directions than `dims`.
Pca fit_pca(std::span<const float> embeddings, size_t n, size_t dim, int64_t dims, bool whiten);

}  // namespace visage::eval
