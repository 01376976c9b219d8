#include <gtest/gtest.h>

#include <vector>

#include "tests/support/blas_threads.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

// The tops share the bottom's data, and the bottom's gradient is the sum of the tops', added in
// top order: the same bits on any number of workers, on an input large enough (4 x 64 x 32 x 32)
// to be spread over three.
TEST(Split, SumsTheTopsGradientsInOrderOnAnyNumberOfThreads) {
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    auto ctx = Context::cpu();
    auto layer = make_layer("name: 'sp' type: 'Split' top: 'a' top: 'b' top: 'c'");
    TensorList bottom({{4, 64, 32, 32}}), top(3);
    fill_gaussian(bottom[0], 60);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    for (int t = 0; t < 3; ++t) {
      EXPECT_EQ(top[t].data().data(), bottom[0].data().data());
      TensorList diff({bottom[0].shape()});
      fill_gaussian(diff[0], 61 + t, 0.0f, t == 2 ? 1e-3f : 1.0f);  // rounding shows in the order
      std::ranges::copy(diff[0].data(), top[t].mutable_diff().begin());
    }
    layer->backward(ctx, top, {true}, bottom);
    for (int64_t i = 0; i < bottom[0].count(); ++i) {
      const float expected = (top[0].diff()[i] + top[1].diff()[i]) + top[2].diff()[i];
      ASSERT_EQ(bottom[0].diff()[i], expected) << threads << " threads, " << i;
    }
  }
}

}  // namespace
}  // namespace visage::testing
