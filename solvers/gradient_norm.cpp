#include "solvers/gradient_norm.hpp"

#include "core/math.hpp"

namespace visage {

float gradient_sum_of_squares(Context& ctx, Tensor& params, Tensor& scratch) {
#if VISAGE_WITH_CUDA
  if (ctx.is_gpu()) return gradient_sum_of_squares_gpu(ctx, params, scratch);
#endif
  return cpu::dot(params.count(), params.diff().data(), params.diff().data());
}

}  // namespace visage
