// Four channels' elements side by side in one SIMD vector (GCC's and Clang's vector extensions):
// lane k holds channel c + k's element. Lane-wise arithmetic rounds exactly as the scalar
// arithmetic it replaces, so a sum kept in one lane has the bits of that channel's own sequential
// sum. Scale's float sums gain most: one add for four channels where four interleaved scalar
// chains (layers/channel_groups.hpp) needed four, and the fused Scale-BatchNorm backward's eight
// scalar accumulators no longer spill to the stack. BatchNorm's double sums stay scalar: four
// interleaved chains already ran them at their latency bound, and the transposes only cost.
// A group of fewer than four channels repeats its last channel in the spare lanes and drops
// what they compute.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "layers/channel_groups.hpp"

namespace visage::cpu {

inline constexpr int64_t kLanes = 4;
static_assert(kLanes == kChannelGroup, "a channel group fills the lanes");

using Lanes = float __attribute__((vector_size(16)));
using WideLanes = double __attribute__((vector_size(32)));  // two registers without AVX
using LanePlanes = std::array<const float*, kLanes>;

// The planes of channels [c, c + G) of image n of an N x channels x inner array, one per lane.
template <int64_t G>
LanePlanes lane_planes(const float* data, int64_t n, int64_t c, int64_t channels, int64_t inner) {
  static_assert(G >= 1 && G <= kLanes);
  LanePlanes planes;
  for (int64_t k = 0; k < kLanes; ++k) {
    planes[k] = data + (n * channels + c + std::min(k, G - 1)) * inner;
  }
  return planes;
}

// values[0], ..., values[G - 1] as lanes.
template <int64_t G>
Lanes lanes_of(const float* values) {
  static_assert(G >= 1 && G <= kLanes);
  Lanes v{};
  for (int64_t k = 0; k < kLanes; ++k) v[k] = values[std::min(k, G - 1)];
  return v;
}

// Elements i, ..., i + 3 of the planes, as four vectors of lanes: four loads and a transpose.
inline std::array<Lanes, 4> elements_at(const LanePlanes& planes, int64_t i) {
  std::array<Lanes, 4> rows;
  for (int64_t k = 0; k < kLanes; ++k) std::memcpy(&rows[k], planes[k] + i, sizeof(Lanes));
  const Lanes low01 = __builtin_shufflevector(rows[0], rows[1], 0, 4, 1, 5);
  const Lanes high01 = __builtin_shufflevector(rows[0], rows[1], 2, 6, 3, 7);
  const Lanes low23 = __builtin_shufflevector(rows[2], rows[3], 0, 4, 1, 5);
  const Lanes high23 = __builtin_shufflevector(rows[2], rows[3], 2, 6, 3, 7);
  return {__builtin_shufflevector(low01, low23, 0, 1, 4, 5),
          __builtin_shufflevector(low01, low23, 2, 3, 6, 7),
          __builtin_shufflevector(high01, high23, 0, 1, 4, 5),
          __builtin_shufflevector(high01, high23, 2, 3, 6, 7)};
}

inline Lanes element_at(const LanePlanes& planes, int64_t i) {
  return Lanes{planes[0][i], planes[1][i], planes[2][i], planes[3][i]};
}

// body(x_i) for i = 0, 1, ..., inner - 1 in this order, lane k of x_i holding x[k][i].
template <typename Body>
void for_each_element(const LanePlanes& x, int64_t inner, Body&& body) {
  int64_t i = 0;
  for (; i + 4 <= inner; i += 4) {
    for (const Lanes& v : elements_at(x, i)) body(v);
  }
  for (; i < inner; ++i) body(element_at(x, i));
}

// body(x_i, y_i) for i = 0, 1, ..., inner - 1 in this order.
template <typename Body>
void for_each_element(const LanePlanes& x, const LanePlanes& y, int64_t inner, Body&& body) {
  int64_t i = 0;
  for (; i + 4 <= inner; i += 4) {
    const std::array<Lanes, 4> xs = elements_at(x, i);
    const std::array<Lanes, 4> ys = elements_at(y, i);
    for (int j = 0; j < 4; ++j) body(xs[j], ys[j]);
  }
  for (; i < inner; ++i) body(element_at(x, i), element_at(y, i));
}

}  // namespace visage::cpu
