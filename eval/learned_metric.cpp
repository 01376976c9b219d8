#include "eval/learned_metric.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "eval/pca.hpp"
#include "eval/symmetric_eigen.hpp"

namespace visage::eval {
namespace {

// A within-class scatter whose smallest eigenvalue is at or below this fraction of its largest
// cannot be inverted meaningfully.
constexpr double kSingular = 1e-12;

// Row-major dense matrix in double: the fit's arithmetic is double throughout, only the stored
// result is float.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> values;

  Matrix(size_t r, size_t c) : rows(r), cols(c), values(r * c, 0.0) {}
  double& operator()(size_t r, size_t c) { return values[r * cols + c]; }
  double operator()(size_t r, size_t c) const { return values[r * cols + c]; }
};

Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows, b.cols);
  for (size_t i = 0; i < a.rows; ++i) {
    for (size_t k = 0; k < a.cols; ++k) {
      const double aik = a(i, k);
      for (size_t j = 0; j < b.cols; ++j) out(i, j) += aik * b(k, j);
    }
  }
  return out;
}

// a^T b.
Matrix multiply_transposed(const Matrix& a, const Matrix& b) {
  Matrix out(a.cols, b.cols);
  for (size_t k = 0; k < a.rows; ++k) {
    for (size_t i = 0; i < a.cols; ++i) {
      const double aki = a(k, i);
      for (size_t j = 0; j < b.cols; ++j) out(i, j) += aki * b(k, j);
    }
  }
  return out;
}

// The first `keep` eigenvectors as columns, each scaled by scale(eigenvalue).
template <typename Scale>
Matrix leading_columns(const SymmetricEigen& eigen, size_t n, size_t keep, Scale scale) {
  Matrix out(n, keep);
  for (size_t j = 0; j < keep; ++j) {
    const double factor = scale(eigen.values[j]);
    for (size_t i = 0; i < n; ++i) out(i, j) = eigen.vectors[i * n + j] * factor;
  }
  return out;
}

void check_options(const LearnedMetricOptions& options) {
  VISAGE_CHECK(options.pca_dims >= 0, "learned metric: PCA dimensions ", options.pca_dims,
               " must be >= 0 (0: every non-degenerate direction)");
  VISAGE_CHECK(options.lda_dims >= 0, "learned metric: LDA dimensions ", options.lda_dims,
               " must be >= 0 (0: identities - 1, at most the PCA dimensions)");
  VISAGE_CHECK(std::isfinite(options.regularisation) && options.regularisation >= 0,
               "learned metric: regularisation ", options.regularisation,
               " must be a finite number >= 0");
}

}  // namespace

LearnedMetric fit_learned_metric(std::span<const float> embeddings, size_t dim,
                                 std::span<const int64_t> labels,
                                 const LearnedMetricOptions& options) {
  check_options(options);
  const size_t n = labels.size();
  VISAGE_CHECK(dim > 0 && n > 0, "learned metric: no embeddings to fit on (", n, " of dimension ",
               dim, ")");
  VISAGE_CHECK(embeddings.size() == n * dim, "learned metric: ", embeddings.size(), " values for ",
               n, " labels of dimension ", dim);
  for (size_t row = 0; row < n; ++row) {
    for (size_t i = 0; i < dim; ++i) {
      VISAGE_CHECK(std::isfinite(embeddings[row * dim + i]), "learned metric: embedding ", row,
                   " has a non-finite value (", embeddings[row * dim + i], ") at index ", i);
    }
  }
  // Identities numbered 0.. in label order, so the fit does not depend on how labels were chosen.
  std::map<int64_t, size_t> class_of;
  for (const int64_t label : labels) class_of.emplace(label, 0);
  size_t classes = 0;
  for (auto& [label, index] : class_of) index = classes++;
  std::vector<size_t> count(classes, 0);
  for (const int64_t label : labels) ++count[class_of[label]];
  VISAGE_CHECK(classes >= 2, "learned metric: ", n, " embeddings of ", classes,
               " identity; LDA needs at least 2 identities");
  VISAGE_CHECK(std::ranges::any_of(count, [](size_t c) { return c >= 2; }),
               "learned metric: ", classes,
               " identities with one image each; the within-class scatter needs at "
               "least one identity with 2 images");

  LearnedMetric metric;
  metric.options = options;
  metric.input_dim = dim;
  metric.identities = classes;
  metric.images = n;

  // Mean subtraction and PCA.
  const Pca pca = fit_pca(embeddings, n, dim, options.pca_dims, options.whiten);
  const size_t p = pca.output_dim;
  metric.pca_dims = p;
  Matrix centred(n, dim);
  for (size_t row = 0; row < n; ++row) {
    for (size_t i = 0; i < dim; ++i) centred(row, i) = embeddings[row * dim + i] - pca.mean[i];
  }
  Matrix pca_map(dim, p);
  pca_map.values = pca.map;

  // LDA in the PCA space: within-class (Sw) and between-class (Sb) scatter per image.
  const Matrix reduced = multiply(centred, pca_map);
  Matrix class_mean(classes, p);
  std::vector<double> overall(p, 0.0);
  for (size_t row = 0; row < n; ++row) {
    const size_t c = class_of[labels[row]];
    for (size_t j = 0; j < p; ++j) {
      class_mean(c, j) += reduced(row, j) / static_cast<double>(count[c]);
      overall[j] += reduced(row, j) / static_cast<double>(n);
    }
  }
  Matrix within_offsets(n, p);
  for (size_t row = 0; row < n; ++row) {
    const size_t c = class_of[labels[row]];
    for (size_t j = 0; j < p; ++j) within_offsets(row, j) = reduced(row, j) - class_mean(c, j);
  }
  Matrix between_offsets(classes, p);
  for (size_t c = 0; c < classes; ++c) {
    const double weight = std::sqrt(static_cast<double>(count[c]));
    for (size_t j = 0; j < p; ++j) between_offsets(c, j) = weight * (class_mean(c, j) - overall[j]);
  }
  Matrix sw = multiply_transposed(within_offsets, within_offsets);
  Matrix sb = multiply_transposed(between_offsets, between_offsets);
  double trace = 0.0;
  for (size_t j = 0; j < p; ++j) trace += sw(j, j);
  VISAGE_CHECK(trace > 0,
               "learned metric: every identity's images have identical embeddings "
               "(no within-class scatter to fit)");
  for (double& v : sw.values) v /= static_cast<double>(n);
  for (double& v : sb.values) v /= static_cast<double>(n);
  const double ridge = options.regularisation * trace / static_cast<double>(n * p);
  for (size_t j = 0; j < p; ++j) sw(j, j) += ridge;

  // The generalised problem Sb v = g Sw v, through whitening w.r.t. Sw: W = U S^-1/2 turns Sw into
  // I, and the eigenvectors Q of W^T Sb W give v = W Q.
  const SymmetricEigen within = symmetric_eigen(sw.values, p);
  VISAGE_CHECK(within.values[p - 1] > kSingular * within.values[0],
               "learned metric: the within-class scatter is singular (smallest eigenvalue ",
               within.values[p - 1], " of ", within.values[0],
               "); use a regularisation above 0 or fewer PCA dimensions");
  const Matrix sw_whitening =
      leading_columns(within, p, p, [](double value) { return 1.0 / std::sqrt(value); });
  const Matrix sb_whitened = multiply_transposed(sw_whitening, multiply(sb, sw_whitening));
  const SymmetricEigen lda = symmetric_eigen(sb_whitened.values, p);
  const size_t most = std::min(classes - 1, p);
  VISAGE_CHECK(static_cast<size_t>(options.lda_dims) <= most, "learned metric: ", options.lda_dims,
               " LDA dimensions asked for, but ", classes, " identities in ", p,
               " PCA dimensions give at most ", most);
  const size_t k = options.lda_dims > 0 ? static_cast<size_t>(options.lda_dims) : most;
  metric.output_dim = k;
  const Matrix lda_map = leading_columns(lda, p, k, [](double) { return 1.0; });
  const Matrix projection = multiply(pca_map, multiply(sw_whitening, lda_map));

  metric.mean.assign(pca.mean.begin(), pca.mean.end());
  metric.projection.assign(projection.values.begin(), projection.values.end());
  return metric;
}

std::vector<float> apply_learned_metric(const LearnedMetric& metric,
                                        std::span<const float> embeddings, size_t dim) {
  VISAGE_CHECK(dim == metric.input_dim, "learned metric: fitted on embeddings of dimension ",
               metric.input_dim, ", applied to ones of dimension ", dim);
  VISAGE_CHECK(embeddings.size() % dim == 0, "learned metric: ", embeddings.size(),
               " values are not rows of dimension ", dim);
  const size_t n = embeddings.size() / dim;
  const size_t k = metric.output_dim;
  std::vector<float> out(n * k);
  std::vector<double> centred(dim);
  std::vector<double> row_out(k);
  for (size_t row = 0; row < n; ++row) {
    for (size_t i = 0; i < dim; ++i) {
      centred[i] = static_cast<double>(embeddings[row * dim + i]) - metric.mean[i];
    }
    std::ranges::fill(row_out, 0.0);
    for (size_t i = 0; i < dim; ++i) {
      for (size_t j = 0; j < k; ++j) row_out[j] += centred[i] * metric.projection[i * k + j];
    }
    for (size_t j = 0; j < k; ++j) out[row * k + j] = static_cast<float>(row_out[j]);
  }
  return out;
}

EmbeddingTable apply_learned_metric(const LearnedMetric& metric, const EmbeddingTable& table) {
  const std::vector<float> projected = apply_learned_metric(metric, table.values(), table.dim());
  EmbeddingTable out(metric.output_dim);
  for (size_t row = 0; row < table.size(); ++row) {
    out.add(table.paths()[row],
            std::span(projected).subspan(row * metric.output_dim, metric.output_dim));
  }
  return out;
}

}  // namespace visage::eval
