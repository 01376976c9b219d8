#include "eval/clustering.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace visage::eval {
namespace {

class Points {
 public:
  Points(std::span<const float> values, size_t dim) : values_(values), dim_(dim) {}
  size_t size() const { return values_.size() / dim_; }
  size_t dim() const { return dim_; }
  std::span<const float> operator[](size_t i) const { return values_.subspan(i * dim_, dim_); }

 private:
  std::span<const float> values_;
  size_t dim_;
};

double squared_distance(std::span<const float> a, std::span<const float> b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return sum;
}

std::span<const float> centroid(const std::vector<float>& centroids, size_t dim, size_t c) {
  return std::span<const float>(centroids).subspan(c * dim, dim);
}

void set_centroid(std::vector<float>& centroids, std::span<const float> point, size_t c) {
  std::copy(point.begin(), point.end(), centroids.begin() + c * point.size());
}

// k-means++: the first centre uniformly, each next one with probability proportional to the squared
// distance to the nearest centre already chosen.
std::vector<float> seed_centroids(const Points& points, int clusters, Rng& rng) {
  std::vector<float> centroids(clusters * points.dim());
  set_centroid(centroids, points[rng.below(points.size())], 0);
  std::vector<double> nearest(points.size(), std::numeric_limits<double>::infinity());
  for (int c = 1; c < clusters; ++c) {
    double total = 0.0;
    for (size_t i = 0; i < points.size(); ++i) {
      nearest[i] = std::min(nearest[i],
                            squared_distance(points[i], centroid(centroids, points.dim(), c - 1)));
      total += nearest[i];
    }
    size_t chosen = points.size() - 1;
    if (total > 0.0) {
      double target = rng.uniform() * total;
      for (size_t i = 0; i < points.size(); ++i) {
        target -= nearest[i];
        if (target < 0.0) {
          chosen = i;
          break;
        }
      }
    } else {
      chosen = rng.below(points.size());  // every point coincides with a centre already
    }
    set_centroid(centroids, points[chosen], c);
  }
  return centroids;
}

// Assigns every point to its nearest centroid.
void assign(const Points& points, const std::vector<float>& centroids, int clusters,
            std::vector<int>& assignment, std::vector<double>& distance_to_own) {
  for (size_t i = 0; i < points.size(); ++i) {
    int best = 0;
    double best_distance = std::numeric_limits<double>::infinity();
    for (int c = 0; c < clusters; ++c) {
      const double d = squared_distance(points[i], centroid(centroids, points.dim(), c));
      if (d < best_distance) {
        best = c;
        best_distance = d;
      }
    }
    assignment[i] = best;
    distance_to_own[i] = best_distance;
  }
}

// Gives each empty cluster the point farthest from its centroid (taken from a cluster that keeps
// at least one point), so that k clusters stay k.
void refill_empty_clusters(const Points& points, int clusters, std::vector<int>& assignment,
                           std::vector<double>& distance_to_own) {
  std::vector<size_t> sizes(clusters, 0);
  for (const int c : assignment) ++sizes[c];
  for (int empty = 0; empty < clusters; ++empty) {
    if (sizes[empty] > 0) continue;
    size_t farthest = 0;
    double farthest_distance = -1.0;
    for (size_t i = 0; i < points.size(); ++i) {
      if (sizes[assignment[i]] > 1 && distance_to_own[i] > farthest_distance) {
        farthest = i;
        farthest_distance = distance_to_own[i];
      }
    }
    --sizes[assignment[farthest]];
    ++sizes[empty];
    assignment[farthest] = empty;
    distance_to_own[farthest] = 0.0;
  }
}

std::vector<float> means(const Points& points, int clusters, const std::vector<int>& assignment) {
  std::vector<double> sums(clusters * points.dim(), 0.0);
  std::vector<size_t> sizes(clusters, 0);
  for (size_t i = 0; i < points.size(); ++i) {
    const auto point = points[i];
    for (size_t j = 0; j < points.dim(); ++j) sums[assignment[i] * points.dim() + j] += point[j];
    ++sizes[assignment[i]];
  }
  std::vector<float> centroids(sums.size());
  for (size_t k = 0; k < sums.size(); ++k) {
    centroids[k] = static_cast<float>(sums[k] / static_cast<double>(sizes[k / points.dim()]));
  }
  return centroids;
}

// Convergence is judged on the assignment after empty clusters are refilled: comparing the raw
// assignment would oscillate forever when duplicate points seed two identical centroids.
KMeansResult lloyd(const Points& points, int clusters, int max_iterations, Rng& rng) {
  KMeansResult run;
  run.centroids = seed_centroids(points, clusters, rng);
  run.assignment.assign(points.size(), 0);
  std::vector<double> distance_to_own(points.size(), 0.0);
  std::vector<int> previous;
  while (run.iterations < max_iterations) {
    assign(points, run.centroids, clusters, run.assignment, distance_to_own);
    refill_empty_clusters(points, clusters, run.assignment, distance_to_own);
    ++run.iterations;
    if (run.assignment == previous) break;  // the centroids are already this assignment's means
    run.centroids = means(points, clusters, run.assignment);
    previous = run.assignment;
  }
  for (size_t i = 0; i < points.size(); ++i) {
    run.inertia +=
        squared_distance(points[i], centroid(run.centroids, points.dim(), run.assignment[i]));
  }
  return run;
}

double entropy(const std::vector<size_t>& counts, double total) {
  double h = 0.0;
  for (const size_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / total;
    h -= p * std::log(p);
  }
  return h;
}

}  // namespace

KMeansResult kmeans(std::span<const float> points, size_t dim, const KMeansOptions& options) {
  VISAGE_CHECK(dim > 0 && points.size() % dim == 0, "k-means needs rows of ", dim, " floats, got ",
               points.size(), " values");
  const Points rows(points, dim);
  VISAGE_CHECK(options.clusters >= 1 && static_cast<size_t>(options.clusters) <= rows.size(),
               "k-means with ", options.clusters, " clusters needs at least that many points, got ",
               rows.size());
  VISAGE_CHECK(options.restarts >= 1, "k-means needs at least one restart");
  Rng rng(options.seed);
  KMeansResult best;
  for (int restart = 0; restart < options.restarts; ++restart) {
    KMeansResult run = lloyd(rows, options.clusters, options.max_iterations, rng);
    if (restart == 0 || run.inertia < best.inertia) best = std::move(run);
  }
  return best;
}

ContingencyTable contingency_table(std::span<const int> clusters, std::span<const int> labels) {
  VISAGE_CHECK(clusters.size() == labels.size(), "contingency table of ", clusters.size(),
               " cluster ids and ", labels.size(), " labels");
  VISAGE_CHECK(!clusters.empty(), "contingency table of no points");
  const int max_cluster = *std::max_element(clusters.begin(), clusters.end());
  const int max_label = *std::max_element(labels.begin(), labels.end());
  ContingencyTable table(max_cluster + 1, std::vector<size_t>(max_label + 1, 0));
  for (size_t i = 0; i < clusters.size(); ++i) {
    VISAGE_CHECK(clusters[i] >= 0 && labels[i] >= 0, "negative cluster id or label at point ", i);
    ++table[clusters[i]][labels[i]];
  }
  return table;
}

double purity(const ContingencyTable& table) {
  size_t total = 0;
  size_t majority = 0;
  for (const auto& row : table) {
    for (const size_t count : row) total += count;
    if (!row.empty()) majority += *std::max_element(row.begin(), row.end());
  }
  VISAGE_CHECK(total > 0, "purity of an empty contingency table");
  return static_cast<double>(majority) / static_cast<double>(total);
}

double normalized_mutual_information(const ContingencyTable& table) {
  VISAGE_CHECK(!table.empty() && !table[0].empty(), "NMI of an empty contingency table");
  std::vector<size_t> cluster_sizes(table.size(), 0);
  std::vector<size_t> label_sizes(table[0].size(), 0);
  size_t count = 0;
  for (size_t c = 0; c < table.size(); ++c) {
    VISAGE_CHECK(table[c].size() == label_sizes.size(), "ragged contingency table");
    for (size_t l = 0; l < table[c].size(); ++l) {
      cluster_sizes[c] += table[c][l];
      label_sizes[l] += table[c][l];
      count += table[c][l];
    }
  }
  VISAGE_CHECK(count > 0, "NMI of an empty contingency table");
  const double total = static_cast<double>(count);
  double mutual = 0.0;
  for (size_t c = 0; c < table.size(); ++c) {
    for (size_t l = 0; l < table[c].size(); ++l) {
      if (table[c][l] == 0) continue;
      const double joint = static_cast<double>(table[c][l]);
      mutual += joint / total *
                std::log(joint * total / (static_cast<double>(cluster_sizes[c]) * label_sizes[l]));
    }
  }
  const double h_clusters = entropy(cluster_sizes, total);
  const double h_labels = entropy(label_sizes, total);
  if (h_clusters == 0.0 && h_labels == 0.0) return 1.0;
  // Both are zero-or-positive; clamp the rounding that can push I a hair past the mean entropy.
  return std::clamp(mutual / ((h_clusters + h_labels) / 2.0), 0.0, 1.0);
}

}  // namespace visage::eval
