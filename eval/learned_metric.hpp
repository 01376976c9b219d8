// A metric learned on top of embeddings from labelled training images: mean subtraction, PCA
// (with whitening), then LDA in the PCA space. The result is one linear map x -> (x - mean) P,
// D -> K dimensions, after which verification compares vectors by cosine distance. For LFW's
// unrestricted protocol it is fitted per fold on that fold's training people only
// (eval/metric_training_set.hpp selects them); docs/lfw.md describes the method.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "eval/embeddings.hpp"

namespace visage::eval {

struct LearnedMetricOptions {
  // PCA dimensions kept; 0 keeps every non-degenerate direction (eigenvalue above 1e-9 of the
  // largest, and at most images - 1 of them).
  int64_t pca_dims = 0;
  // LDA dimensions kept; 0 keeps min(identities - 1, PCA dimensions), all Sb can span.
  int64_t lda_dims = 0;
  // Added to the within-class scatter as regularisation * trace(Sw) / dims * I: relative to Sw's
  // mean eigenvalue, so it means the same at any scale of the embeddings, and keeps Sw invertible
  // when there are fewer images per person than dimensions.
  double regularisation = 1e-3;
  // Scale each PCA direction to unit variance. With it (and every PCA direction kept) the metric
  // does not depend on any invertible linear map applied to the embeddings first.
  bool whiten = true;
};

struct LearnedMetric {
  LearnedMetricOptions options;   // as asked
  size_t input_dim = 0;           // D
  size_t pca_dims = 0;            // as used
  size_t output_dim = 0;          // K, the LDA dimensions used
  std::vector<float> mean;        // D
  std::vector<float> projection;  // D x K row-major: the PCA and LDA maps multiplied
  size_t identities = 0;          // what it was fitted on
  size_t images = 0;
};

// `embeddings` is N x D row-major, `labels` one identity number per row (any integers). Throws
// with the reason for: N or D of 0, a shape mismatch, a NaN or infinite value (naming its row),
// fewer than 2 identities, no identity with 2 images (no within-class scatter), data with no
// variance, or asked-for dimensions the data cannot give. Deterministic.
LearnedMetric fit_learned_metric(std::span<const float> embeddings, size_t dim,
                                 std::span<const int64_t> labels,
                                 const LearnedMetricOptions& options);

// (x - mean) P for each row of `embeddings` (N x input_dim): N x output_dim. Throws when the
// dimension differs from the metric's.
std::vector<float> apply_learned_metric(const LearnedMetric& metric,
                                        std::span<const float> embeddings, size_t dim);
// The same for every embedding of a table, keeping the paths.
EmbeddingTable apply_learned_metric(const LearnedMetric& metric, const EmbeddingTable& table);

}  // namespace visage::eval
