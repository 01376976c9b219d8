#include "eval/pca.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "eval/symmetric_eigen.hpp"

namespace visage::eval {
namespace {

// Eigenvalues at or below this fraction of the largest are rounding noise of a rank-deficient
// covariance (it is accumulated in double from float data).
constexpr double kDegenerate = 1e-9;

}  // namespace

Pca fit_pca(std::span<const float> embeddings, size_t n, size_t dim, int64_t dims, bool whiten) {
  VISAGE_CHECK(n > 0 && dim > 0 && embeddings.size() == n * dim, "PCA: ", embeddings.size(),
               " values are not ", n, " embeddings of dimension ", dim);
  VISAGE_CHECK(dims >= 0, "PCA: ", dims, " dimensions asked for; expected >= 0");
  Pca pca;
  pca.input_dim = dim;
  pca.mean.assign(dim, 0.0);
  for (size_t row = 0; row < n; ++row) {
    for (size_t i = 0; i < dim; ++i) pca.mean[i] += embeddings[row * dim + i];
  }
  for (double& m : pca.mean) m /= static_cast<double>(n);

  std::vector<double> covariance(dim * dim, 0.0);
  std::vector<double> centred(dim);
  for (size_t row = 0; row < n; ++row) {
    for (size_t i = 0; i < dim; ++i) centred[i] = embeddings[row * dim + i] - pca.mean[i];
    for (size_t i = 0; i < dim; ++i) {
      for (size_t j = i; j < dim; ++j) covariance[i * dim + j] += centred[i] * centred[j];
    }
  }
  for (double& c : covariance) c /= static_cast<double>(std::max<size_t>(n - 1, 1));
  const SymmetricEigen eigen = symmetric_eigen(std::move(covariance), dim);
  VISAGE_CHECK(eigen.values[0] > 0, "PCA: the ", n,
               " embeddings are all identical (no variance to fit)");
  size_t rank = 0;
  while (rank < dim && rank + 1 < n && eigen.values[rank] > kDegenerate * eigen.values[0]) ++rank;
  VISAGE_CHECK(static_cast<size_t>(dims) <= rank, "PCA: ", dims, " dimensions asked for, but the ",
               n, " embeddings span only ", rank, " non-degenerate directions");
  const size_t p = dims > 0 ? static_cast<size_t>(dims) : rank;
  pca.output_dim = p;
  pca.variances.assign(eigen.values.begin(), eigen.values.begin() + static_cast<ptrdiff_t>(p));
  pca.map.resize(dim * p);
  for (size_t j = 0; j < p; ++j) {
    const double scale = whiten ? 1.0 / std::sqrt(eigen.values[j]) : 1.0;
    for (size_t i = 0; i < dim; ++i) pca.map[i * p + j] = eigen.vectors[i * dim + j] * scale;
  }
  return pca;
}

}  // namespace visage::eval
