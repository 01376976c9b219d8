// Per-channel sums of several channels side by side (BatchNorm's statistics and gradients here;
// Scale's parameter gradients one channel per SIMD lane, layers/channel_lanes.hpp). Each channel is
// still summed in a lone channel's order (plane by plane, element by element), so its bits do not
// depend on the grouping; but the groups' chains of dependent additions overlap in the pipeline
// instead of each waiting on its own last add, which made these sums latency-bound (4-6 cycles an
// element).
#pragma once

#include <array>
#include <cstdint>

#include "layers/sliced_parallel.hpp"

namespace visage::cpu {

inline constexpr int64_t kChannelGroup = 4;

// The planes of channels [c, c + G) in image n of an N x channels x inner array: element k is
// channel c + k's.
template <int64_t G, typename T>
std::array<T*, G> planes_of(T* data, int64_t n, int64_t c, int64_t channels, int64_t inner) {
  std::array<T*, G> planes;
  for (int64_t k = 0; k < G; ++k) planes[k] = data + (n * channels + c + k) * inner;
  return planes;
}

// How many channels to hand a worker at a time (cpu::run_blocks' grain): whole groups, unless
// that would leave workers without one.
inline int64_t channel_grain(int64_t channels, int workers) {
  return channels >= kChannelGroup * workers ? kChannelGroup : 1;
}

// Calls body.template operator()<G>(c) on consecutive groups of the channels [first, end):
// G = kChannelGroup while that many are left, then G = 1.
template <typename Body>
void for_channel_groups(int64_t first, int64_t end, Body&& body) {
  int64_t c = first;
  for (; c + kChannelGroup <= end; c += kChannelGroup) body.template operator()<kChannelGroup>(c);
  for (; c < end; ++c) body.template operator()<1>(c);
}

// Runs body.template operator()<G>(c) over the groups of the channels [0, channels) on the
// workers elementwise_workers gives `elements` values.
template <typename Body>
void run_channel_groups(int64_t channels, int64_t elements, Body&& body) {
  const int workers = elementwise_workers(elements);
  run_blocks(channels, channel_grain(channels, workers), workers,
             [&](int64_t first, int64_t end, int) { for_channel_groups(first, end, body); });
}

}  // namespace visage::cpu
