// The GPU half of solvers/gradient_norm.hpp.
#include "solvers/gradient_norm.hpp"

#include "cuda/math.hpp"

namespace visage {

float gradient_sum_of_squares_gpu(Context& ctx, Tensor& params, Tensor& scratch) {
  gpu::dot(ctx, params.count(), params.gpu_diff(ctx), params.gpu_diff(ctx),
           scratch.mutable_gpu_data(ctx));
  return scratch.data()[0];
}

}  // namespace visage
