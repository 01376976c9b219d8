// The CPU half of solvers/fused_update.hpp: a rule's element functor over the whole parameter
// buffer, in blocks handed to as many worker threads as OpenBLAS has (cpu::run_blocks). The pass
// is memory-bound (SGD with momentum moves 20 bytes per parameter, 2.4 GB a step for DeepFace),
// and two cores move more than one. Each element's update reads and writes that element alone,
// so the bits do not depend on the split.
#pragma once

#include <algorithm>
#include <span>

#include "layers/sliced_parallel.hpp"
#include "solvers/fused_update.hpp"

namespace visage::fused {

// Elements per block: 4 MB of each buffer, large next to a thread's start-up, small enough that
// a preempted thread's block is soon taken over.
inline constexpr int64_t kCpuUpdateBlock = int64_t{1} << 20;

template <typename Element>
void update_on_cpu(std::span<const SlotRange> slots, Tensor& params, const UpdateStep& step,
                   const Element& element) {
  float* w = params.mutable_data().data();
  const float* diff = params.diff().data();
  const int64_t total = slots.empty() ? 0 : slots.back().end;
  cpu::run_blocks(total, kCpuUpdateBlock, cpu::elementwise_workers(total),
                  [&](int64_t first, int64_t end, int) {
                    // The slot holding `first`: the first whose end lies past it.
                    auto slot = std::ranges::upper_bound(slots, first, {}, &SlotRange::end);
                    for (int64_t i = first; i < end; ++slot) {
                      for (const int64_t stop = std::min(end, slot->end); i < stop; ++i) {
                        const ElementInput in = element_input(step, *slot, w[i], diff[i]);
                        w[i] = updated_weight(w[i], element(i, in.gradient, in.rate));
                      }
                    }
                  });
}

}  // namespace visage::fused
