// The per-row and per-element formulas of MarginSoftmaxLoss, written once for both halves:
// losses/margin_softmax_loss.cpp calls them from its loops, cuda/margin_softmax_loss.cu from its
// kernels (one thread per row or element, visiting values in the same order), so the two halves
// differ only where BLAS sums the cosines and the projections in its own order.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "core/host_device.hpp"

namespace visage::margin_softmax {

// Below this norm a row has no direction; it is treated as having norm kTinyNorm.
inline constexpr float kTinyNorm = 1e-12f;
// ArcFace's slope cos m + sin m cos(theta) / sin(theta) grows without bound as theta -> 0; below
// this sin(theta) it uses kMinSine instead. The gradient stays right in size: d cos / d x has
// magnitude sin(theta) / |x|, which cancels the 1 / sin(theta), so the cap changes the gradient
// only of rows within about 1e-4 rad of their class, and only by a bounded factor.
inline constexpr float kMinSine = 1e-4f;

// Writes row / |row| to unit and returns 1 / |row| (with the norm floored at kTinyNorm).
VISAGE_HOST_DEVICE inline float normalize_row(const float* row, int64_t dim, float* unit) {
  float squared = 0.0f;
  for (int64_t k = 0; k < dim; ++k) squared += row[k] * row[k];
  const float norm = sqrtf(squared);
  const float inverse = 1.0f / (norm > kTinyNorm ? norm : kTinyNorm);
  for (int64_t k = 0; k < dim; ++k) unit[k] = row[k] * inverse;
  return inverse;
}

// The true class's margin, as a function psi of its cosine c = cos(theta):
//   COSINE (CosFace): psi(c) = c - m
//   ARC (ArcFace):    psi(c) = cos(theta + m) = c cos m - sin(theta) sin m   while theta + m <= pi,
//                     psi(c) = c - m sin m                                  past it,
// with c clamped to [-1, 1] first (rounding can push a cosine of unit vectors just past 1).
// Past theta + m = pi, cos(theta + m) would rise again as theta grows and reward moving away from
// the class; the fallback is the ArcFace reference code's (insightface), a CosFace-like penalty
// that keeps psi increasing in c: it jumps down at theta = pi - m (from -1 to -cos m - m sin m,
// which is <= -1 for m <= pi/2), never up.
struct Margin {
  bool arc = false;
  float m = 0.0f;
  float cos_m = 1.0f;
  float sin_m = 0.0f;
  float threshold = -1.0f;       // cos(pi - m) = -cos m: below it theta + m > pi
  float fallback_offset = 0.0f;  // m sin m

  VISAGE_HOST_DEVICE float target(float c) const {
    if (!arc) return c - m;
    const float clamped = fminf(fmaxf(c, -1.0f), 1.0f);
    if (clamped < threshold) return clamped - fallback_offset;
    const float sine = sqrtf(fmaxf(1.0f - clamped * clamped, 0.0f));
    return clamped * cos_m - sine * sin_m;
  }

  // d psi / d c: 1 for COSINE and the fallback; for ArcFace
  //   d cos(theta + m) / d cos(theta) = sin(theta + m) / sin(theta) = cos m + sin m c / sin(theta).
  VISAGE_HOST_DEVICE float slope(float c) const {
    if (!arc) return 1.0f;
    const float clamped = fminf(fmaxf(c, -1.0f), 1.0f);
    if (clamped < threshold) return 1.0f;
    const float sine = sqrtf(fmaxf(1.0f - clamped * clamped, 0.0f));
    return cos_m + sin_m * clamped / (sine > kMinSine ? sine : kMinSine);
  }
};

inline Margin make_margin(bool arc, float m) {
  Margin margin;
  margin.arc = arc;
  margin.m = m;
  margin.cos_m = std::cos(m);
  margin.sin_m = std::sin(m);
  margin.threshold = -margin.cos_m;
  margin.fallback_offset = m * margin.sin_m;
  return margin;
}

// Logit j of a row: s cos_j, and s psi(cos_y) for the true class y.
VISAGE_HOST_DEVICE inline float logit(const float* cosines, int64_t j, int64_t label,
                                      const Margin& margin, float scale) {
  return scale * (j == label ? margin.target(cosines[j]) : cosines[j]);
}

// One row's cross-entropy -log softmax(z)_y = log sum_j exp(z_j) - z_y (max-shifted), writing the
// softmax probabilities to prob. label must be in [0, classes).
VISAGE_HOST_DEVICE inline float row_loss(const float* cosines, int64_t classes, int64_t label,
                                         const Margin& margin, float scale, float* prob) {
  float largest = -FLT_MAX;
  for (int64_t j = 0; j < classes; ++j) {
    largest = fmaxf(largest, logit(cosines, j, label, margin, scale));
  }
  float sum = 0.0f;
  for (int64_t j = 0; j < classes; ++j) {
    prob[j] = expf(logit(cosines, j, label, margin, scale) - largest);
    sum += prob[j];
  }
  for (int64_t j = 0; j < classes; ++j) prob[j] /= sum;
  return logf(sum) + largest - logit(cosines, label, label, margin, scale);
}

// The class with the largest cosine (the lowest index among ties): what the layer predicts
// without the margin, which is the classification at test time.
VISAGE_HOST_DEVICE inline int64_t nearest_class(const float* cosines, int64_t classes) {
  int64_t best = 0;
  for (int64_t j = 1; j < classes; ++j) {
    if (cosines[j] > cosines[best]) best = j;
  }
  return best;
}

// d loss_i / d cos_ij, given weight = (d loss / d top) / N: with z as in logit(),
// d loss_i / d z_ij = p_ij - [j == y_i], and d z_ij / d cos_ij = s, or s psi'(cos_iy) for j = y_i.
VISAGE_HOST_DEVICE inline float cosine_gradient(float prob, float cosine, bool is_target,
                                                const Margin& margin, float scale, float weight) {
  if (!is_target) return weight * scale * prob;
  return weight * scale * (prob - 1.0f) * margin.slope(cosine);
}

// sum_k a[k stride] b[k stride] over length terms: a row's (stride 1) or a column's (stride = row
// length) dot product of two matrices of the same shape.
VISAGE_HOST_DEVICE inline float strided_dot(const float* a, const float* b, int64_t length,
                                            int64_t stride) {
  float sum = 0.0f;
  for (int64_t k = 0; k < length; ++k) sum += a[k * stride] * b[k * stride];
  return sum;
}

// The gradient through a row normalisation u = v / |v|: with G the gradient at u and
// cos = u . w for the other side's unit rows w, d cos / d v = (w - cos u) / |v|, so
//   d loss / d v = (sum_j G_j w_j - (sum_j G_j cos_j) u) / |v|
// element k of it from projected = (sum_j G_j w_j)_k, dot = sum_j G_j cos_j and unit = u_k.
VISAGE_HOST_DEVICE inline float through_normalization(float projected, float dot, float unit,
                                                      float inverse_norm) {
  return inverse_norm * (projected - dot * unit);
}

}  // namespace visage::margin_softmax
