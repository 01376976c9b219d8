#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/support/blas_threads.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

struct Pass {
  std::vector<float> out;
  std::vector<float> bottom_diff;
  std::vector<float> scale_diff;
  std::vector<float> bias_diff;
  std::vector<float> running_mean;
};

// BatchNorm -> Scale (with bias) -> ReLU, forward and backward, on an input large enough for the
// layers to split it among workers (8 x 16 x 32 x 32).
Pass run_chain(int threads) {
  BlasThreads blas(threads);
  auto ctx = Context::cpu();
  auto bn = make_layer("name: 'bn' type: 'BatchNorm'");
  auto scale = make_layer(
      "name: 'scale' type: 'Scale' scale_param { bias_term: true "
      "filler { type: 'uniform' min: 0.5 max: 1.5 } bias_filler { type: 'uniform' } }");
  auto relu = make_layer("name: 'relu' type: 'ReLU'");
  TensorList x({{8, 16, 32, 32}}), normalised(1), scaled(1), y(1);
  fill_gaussian(x[0], 3, 0.5f, 2.0f);
  bn->setup(ctx, x, normalised);
  scale->setup(ctx, normalised, scaled);
  relu->setup(ctx, scaled, y);
  bn->forward(ctx, x, normalised);
  scale->forward(ctx, normalised, scaled);
  relu->forward(ctx, scaled, y);
  fill_gaussian(y[0], 4);
  std::ranges::copy(y[0].data(), y[0].mutable_diff().begin());
  relu->backward(ctx, y, {true}, scaled);
  scale->backward(ctx, scaled, {true}, normalised);
  bn->backward(ctx, normalised, {true}, x);
  const auto copy = [](std::span<const float> v) { return std::vector<float>(v.begin(), v.end()); };
  return {copy(y[0].data()), copy(x[0].diff()), copy(scale->params()[0]->diff()),
          copy(scale->params()[1]->diff()), copy(bn->params()[0]->data())};
}

// Each channel's sums are one worker's, in a fixed order, so the split never shows in the bits.
TEST(ElementwiseLayers, SameBitsOnAnyNumberOfThreads) {
  const Pass one = run_chain(1);
  // Not vacuous: the batch mean of a channel is close to the input's mean, 0.5.
  for (const float mean : one.running_mean) EXPECT_NEAR(mean, 0.5f, 0.1f);
  for (const int threads : {2, 3}) {
    const Pass many = run_chain(threads);
    EXPECT_EQ(many.out, one.out) << threads << " threads";
    EXPECT_EQ(many.bottom_diff, one.bottom_diff) << threads << " threads";
    EXPECT_EQ(many.scale_diff, one.scale_diff) << threads << " threads";
    EXPECT_EQ(many.bias_diff, one.bias_diff) << threads << " threads";
    EXPECT_EQ(many.running_mean, one.running_mean) << threads << " threads";
  }
}

}  // namespace
}  // namespace visage::testing
