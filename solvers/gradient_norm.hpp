// The squared L2 norm of the whole gradient buffer, for gradient clipping and NaN detection: one
// dot product on the device that holds the parameters (the GPU half is cuda/gradient_norm.cpp).
#pragma once

#include "core/context.hpp"
#include "core/tensor.hpp"

namespace visage {

// `params` is the net's packed parameter tensor (its diff is the gradient); `scratch` is a
// one-element tensor that keeps the GPU result in device memory until it is read.
float gradient_sum_of_squares(Context& ctx, Tensor& params, Tensor& scratch);

#if VISAGE_WITH_CUDA
float gradient_sum_of_squares_gpu(Context& ctx, Tensor& params, Tensor& scratch);
#endif

}  // namespace visage
