#include "layers/split.hpp"

#include <algorithm>
#include <vector>

#include "layers/sliced_parallel.hpp"

namespace visage {
namespace {

// y += x. A function of its own, with the pointers as arguments, so that GCC vectorises it
// (read through a lambda's captures, they might alias).
void add(const float* x, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace

void SplitLayer::reshape(Tensors bottom, Tensors top) {
  for (Tensor* t : top) {
    t->reshape_like(*bottom[0]);
    t->share_data(*bottom[0]);
  }
}

void SplitLayer::forward_cpu(Context&, Tensors, Tensors) {}  // tops share the bottom's data

// The bottom's gradient is the sum of the tops', added in top order, in one pass over blocks
// that fit the cache, handed to the BLAS threads (NN2's inception outputs: 4 consumers each).
void SplitLayer::backward_cpu(Context&, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  if (!propagate_down[0]) return;
  constexpr int64_t kFloatsPerBlock = int64_t{1} << 15;
  std::vector<const float*> diffs;
  for (const Tensor* t : top) diffs.push_back(t->diff().data());
  float* out = bottom[0]->mutable_diff().data();
  const int64_t count = bottom[0]->count();
  cpu::run_blocks(count, kFloatsPerBlock, cpu::elementwise_workers(count),
                  [&](int64_t first, int64_t end, int) {
                    std::copy(diffs[0] + first, diffs[0] + end, out + first);
                    for (size_t t = 1; t < diffs.size(); ++t)
                      add(diffs[t] + first, end - first, out + first);
                  });
}

}  // namespace visage
