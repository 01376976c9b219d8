#include "solvers/zero_gradient.hpp"

#include <algorithm>
#include <span>

#include "layers/sliced_parallel.hpp"

namespace visage {

void zero_gradient(Context& ctx, Tensor& params) {
  if (ctx.is_gpu()) {
    params.zero_diff(ctx);
    return;
  }
  constexpr int64_t kBlock = int64_t{1} << 20;  // 4 MB
  const std::span<float> gradient = params.mutable_diff();
  const auto total = static_cast<int64_t>(gradient.size());
  cpu::run_blocks(total, kBlock, cpu::elementwise_workers(total),
                  [&](int64_t first, int64_t end, int) {
                    std::fill(gradient.begin() + first, gradient.begin() + end, 0.0f);
                  });
}

}  // namespace visage
