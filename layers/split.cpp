#include "layers/split.hpp"

#include <algorithm>

#include "core/math.hpp"

namespace visage {

void SplitLayer::reshape(Tensors bottom, Tensors top) {
  for (Tensor* t : top) {
    t->reshape_like(*bottom[0]);
    t->share_data(*bottom[0]);
  }
}

void SplitLayer::forward_cpu(Context&, Tensors, Tensors) {}  // tops share the bottom's data

void SplitLayer::backward_cpu(Context&, Tensors top, const std::vector<bool>& propagate_down,
                              Tensors bottom) {
  if (!propagate_down[0]) return;
  auto out = bottom[0]->mutable_diff();
  std::ranges::copy(top[0]->diff(), out.begin());
  for (size_t t = 1; t < top.size(); ++t) {
    cpu::axpy(bottom[0]->count(), 1.0f, top[t]->diff().data(), out.data());
  }
}

}  // namespace visage
