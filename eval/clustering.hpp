// Clustering of embeddings (FaceNet's clustering use case): k-means with k-means++ seeding, scored
// against identity labels by purity and normalised mutual information.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace visage::eval {

struct KMeansOptions {
  int clusters = 2;
  int restarts = 5;  // independent seedings; the run with the lowest inertia is kept
  int max_iterations = 300;
  uint64_t seed = 1;  // the same seed gives the same clustering everywhere
};

struct KMeansResult {
  std::vector<int> assignment;   // cluster of each point, in [0, clusters)
  std::vector<float> centroids;  // clusters x dim, row-major
  double inertia = 0.0;          // sum of squared distances to the assigned centroids
  int iterations = 0;            // Lloyd iterations of the kept run
};

// `points` holds n rows of `dim` floats, n >= clusters. Euclidean k-means: Lloyd's algorithm until
// the assignment stops changing or max_iterations. A point equally near two centroids joins the
// lower-numbered one, and a cluster left empty takes the point farthest from its own centroid, so
// every cluster keeps at least one point.
KMeansResult kmeans(std::span<const float> points, size_t dim, const KMeansOptions& options);

// rows: clusters (0 .. max cluster), columns: labels (0 .. max label); both must be non-negative.
using ContingencyTable = std::vector<std::vector<size_t>>;
ContingencyTable contingency_table(std::span<const int> clusters, std::span<const int> labels);

// The fraction of points whose cluster's most common label is their own.
double purity(const ContingencyTable& table);

// I(C; L) / ((H(C) + H(L)) / 2): the arithmetic-mean normalisation (scikit-learn's default), in
// [0, 1]. When both partitions are a single block it is 1; when only one is, 0.
double normalized_mutual_information(const ContingencyTable& table);

}  // namespace visage::eval
