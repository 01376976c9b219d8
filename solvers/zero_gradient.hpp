// Zeroing the whole gradient buffer before a step's backward passes, which add into it. On the
// CPU it is cut into blocks over the BLAS threads: one thread's memset leaves much of the memory
// bandwidth unused, and DeepFace's gradient is 476 MB (40 ms on one core here, 21 ms on two).
#pragma once

#include "core/context.hpp"
#include "core/tensor.hpp"

namespace visage {

// `params` is the net's packed parameter tensor (Net::all_params()); its diff becomes 0.
void zero_gradient(Context& ctx, Tensor& params);

}  // namespace visage
