// The host half of TripletLoss: the pairwise distance matrix of a batch (one GEMM), online mining
// of triplets from it, and the gradient of the mined loss with respect to the embeddings.
//
// Mining leaves a "coefficient matrix" C (N x N): for every used triplet with a positive hinge,
// C[a][p] += 1 and C[a][n] -= 1, so that the summed hinge loss is sum_ij C_ij d(x_i, x_j) plus a
// constant. Backward needs nothing else, and the gradient is then one GEMM: with S = C + C^T,
//   dL/dx_k = sum_j S_kj d/dx_k d(x_k, x_j) = r_k x_k - sum_j M_kj x_j
// where M and r depend on the distance (gradient_term). The per-element formulas live in
// losses/triplet_math.hpp, shared with the GPU half (cuda/triplet_loss.cu); the searches here
// and there break ties the same way (lowest index).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "losses/triplet_math.hpp"

namespace visage::triplet {

// Short names of the statistics, in Stat order (losses/triplet_math.hpp), for logs: pairs,
// active, semi_hard, hard, easy, d_ap, d_an.
std::vector<std::string> stat_names();

struct Triplet {
  int anchor;
  int positive;
  int negative;
};

// The sums of a batch's considered triplets, in double so that the batch size does not matter.
using Tally = Sums<double>;

// dist (n x n) and the squared norms (n) from embeddings x (n x dim, row-major): one GEMM, then
// distance_from_gram (losses/triplet_math.hpp) element by element.
void pairwise_distances(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<float> dist, std::span<float> squared_norms);

// Mines the batch and fills `coefficients` (n x n, overwritten). Triplets chosen by SEMI_HARD
// and HARD are appended to `mined` (ALL considers every valid triplet and lists none).
Tally mine(std::span<const float> dist, std::span<const float> labels, int64_t n, float margin,
           Mining mining, std::span<float> coefficients, std::vector<Triplet>& mined);

// grad (n x dim, overwritten) = scale * d(sum_ij C_ij d(x_i, x_j)) / dx. `weights` is n x n
// scratch space.
void embedding_gradient(std::span<const float> x, int64_t n, int64_t dim, Distance distance,
                        std::span<const float> dist, std::span<const float> squared_norms,
                        std::span<const float> coefficients, float scale, std::span<float> weights,
                        std::span<float> grad);

}  // namespace visage::triplet
