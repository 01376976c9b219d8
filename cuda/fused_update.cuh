// The GPU half of solvers/fused_update.hpp: a rule's element functor applied to the whole parameter
// buffer in one kernel launch. Each element finds its slot (lr_mult, decay_mult) by binary search
// in the small slot table that UpdateRule keeps in device memory.
#pragma once

#include <cstddef>

#include "cuda/kernel.cuh"
#include "solvers/fused_update.hpp"

namespace visage::gpu {

__device__ inline int slot_of(int64_t i, const SlotRange* slots, int num_slots) {
  int lo = 0;
  int hi = num_slots - 1;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (slots[mid].end <= i) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

template <typename Element>
__global__ void fused_update_kernel(int64_t n, const SlotRange* slots, int num_slots, float* w,
                                    const float* diff, UpdateStep step, Element element) {
  VISAGE_KERNEL_LOOP(i, n) {
    const fused::ElementInput in =
        fused::element_input(step, slots[slot_of(i, slots, num_slots)], w[i], diff[i]);
    w[i] = fused::updated_weight(w[i], element(i, in.gradient, in.rate));
  }
}

// `device_slots` is UpdateRule::device_slots(ctx), `num_slots` the size of UpdateRule::slots().
template <typename Element>
void fused_update(Context& ctx, const SlotRange* device_slots, std::size_t num_slots,
                  Tensor& params, const UpdateStep& step, const Element& element) {
  const int64_t n = params.count();
  fused_update_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream(ctx)>>>(
      n, device_slots, static_cast<int>(num_slots), params.mutable_gpu_data(ctx),
      params.gpu_diff(ctx), step, element);
  VISAGE_CUDA_CHECK_LAUNCH();
}

}  // namespace visage::gpu
