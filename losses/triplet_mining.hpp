// The host half of TripletLoss: the pairwise distance matrix of a batch (one GEMM), online mining
// of triplets from it, and the gradient of the mined loss with respect to the embeddings.
//
// Mining leaves a "coefficient matrix" C (N x N): for every used triplet with a positive hinge,
// C[a][p] += 1 and C[a][n] -= 1, so that the summed hinge loss is sum_ij C_ij d(x_i, x_j) plus a
// constant. Backward needs nothing else, and the gradient is then one GEMM: with S = C + C^T,
//   dL/dx_k = sum_j S_kj d/dx_k d(x_k, x_j) = r_k x_k - sum_j M_kj x_j
// where M and r depend on the distance (see gradient_weights). The GPU half (cuda/triplet_loss.cu)
// follows the same definitions, the same tie-breaking (lowest index) and the same statistics.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "proto/visage.pb.h"

namespace visage::triplet {

using Distance = proto::TripletLossParameter::Distance;
using Mining = proto::TripletLossParameter::Mining;

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

// Short names of the statistics, in Stat order, for logs: pairs, active, semi_hard, hard, easy,
// d_ap, d_an.
std::vector<std::string> stat_names();

struct Triplet {
  int anchor;
  int positive;
  int negative;
};

// Running sums over the considered triplets, in double so that the batch size does not matter.
struct Tally {
  double pairs = 0;
  double considered = 0;
  double active = 0;
  double semi_hard = 0;
  double hard = 0;
  double easy = 0;
  double sum_positive = 0;
  double sum_negative = 0;
  double loss = 0;

  void add(float positive, float negative, float margin);
  // The divisor of the summed loss: mined triplets (SEMI_HARD, HARD) or active ones (ALL).
  double normalizer(Mining mining) const;
  std::array<float, kNumStats> stats() const;
};

// dist (n x n) and norms (n) from embeddings x (n x dim, row-major). Squared L2 comes from
// ||a||^2 + ||b||^2 - 2 a.b (clamped at 0), L2 is its square root, cosine is 1 - cos(a, b).
void pairwise_distances(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<float> dist, std::span<float> norms);

// Mines the batch and fills `coefficients` (n x n, overwritten). Triplets chosen by SEMI_HARD
// and HARD are appended to `mined` (ALL considers every valid triplet and lists none).
Tally mine(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
           Mining mining, std::span<float> coefficients, std::vector<Triplet>& mined);

// grad (n x dim, overwritten) = scale * d(sum_ij C_ij d(x_i, x_j)) / dx. `weights` is n x n
// scratch space.
void embedding_gradient(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<const float> dist, std::span<const float> norms,
                        std::span<const float> coefficients, float scale, std::span<float> weights,
                        std::span<float> grad);

}  // namespace visage::triplet
