#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/blas_threads.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

std::unique_ptr<Layer> lrn(const std::string& settings) {
  return make_layer("name: 'norm' type: 'LRN' lrn_param { " + settings + " }");
}

// x = (1, 2, 3) over channels, n = 3, alpha = 3 (alpha / n = 1), beta = 1, k = 1:
// s = (1 + 1 + 4, 1 + 1 + 4 + 9, 1 + 4 + 9) = (6, 15, 14), y = x / s.
TEST(LRN, ForwardMatchesHandComputedValues) {
  auto ctx = Context::cpu();
  auto layer = lrn("local_size: 3 alpha: 3 beta: 1 k: 1");
  TensorList bottom({{1, 3, 1, 1}}), top(1);
  set_values(bottom[0], {1, 2, 3});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 3, 1, 1}));
  EXPECT_THAT(top[0].data(),
              ElementsAre(FloatEq(1.0f / 6), FloatEq(2.0f / 15), FloatEq(3.0f / 14)));
}

TEST(LRN, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"local_size: 5 alpha: 0.5 beta: 0.75", {2, 7, 3, 2}},
      {"local_size: 3 alpha: 1 beta: 0.75 k: 2", {1, 4, 2, 3}},
      {"local_size: 1 alpha: 2 beta: 0.5", {1, 2, 2, 2}},
      {"local_size: 5 alpha: 0.1 beta: 1.2", {1, 3, 1, 5}},  // window wider than the channels
  };
  for (const auto& c : cases) {
    auto ctx = Context::cpu(5);
    auto layer = lrn(c.settings);
    TensorList bottom({c.input}), top(1);
    fill_gaussian(bottom[0], 11);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << c.settings;
  }
}

// NN1's and NN2's setting (beta 0.75, whose power the CPU takes with square roots) on a batch
// that the CPU splits among workers: y_c = x_c * (k + alpha / n * sum x_j^2)^-beta, and the
// gradient as the finite-difference check above confirms it, through every worker count.
TEST(LRN, FaceNetSettingMatchesTheFormulaWithAnyWorkerCount) {
  const float alpha = 0.0001f, beta = 0.75f, k = 1.0f;
  const int size = 5;
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    auto ctx = Context::cpu();
    auto layer = lrn("local_size: 5 alpha: 0.0001 beta: 0.75 k: 1");
    TensorList bottom({{5, 9, 4, 3}}), top(1);
    fill_gaussian(bottom[0], 13, 0.0f, 20.0f);  // large enough that the scale matters
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    const auto x = bottom[0].data();
    const int64_t channels = 9, pixels = 12;
    for (int64_t i = 0; i < bottom[0].count(); ++i) {
      const int64_t n = i / (channels * pixels), c = i / pixels % channels, p = i % pixels;
      double sum = 0;
      for (int64_t j = std::max<int64_t>(c - size / 2, 0);
           j <= std::min<int64_t>(c + size / 2, channels - 1); ++j) {
        const double v = x[(n * channels + j) * pixels + p];
        sum += v * v;
      }
      const double expected = x[i] * std::pow(k + alpha / size * sum, -beta);
      ASSERT_NEAR(top[0].data()[i], expected, 1e-5 * (1 + std::abs(expected)))
          << "element " << i << ", " << threads << " BLAS threads";
    }
    GradientCheckOptions options;
    options.step = 1e-2f;
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, options)) << threads << " BLAS threads";
  }
}

TEST(LRN, RejectsUnsupportedSettingsWithClearMessages) {
  auto ctx = Context::cpu();
  TensorList bottom({{1, 3, 2, 2}}), top(1);
  for (const auto& [settings, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"norm_region: WITHIN_CHANNEL", "WITHIN_CHANNEL"},
           {"local_size: 4", "local_size"},
           {"k: 0", "k must be positive"}}) {
    try {
      lrn(settings)->setup(ctx, bottom, top);
      FAIL() << "accepted: " << settings;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("layer 'norm' (LRN)"));
      EXPECT_THAT(e.what(), HasSubstr(fragment));
    }
  }
}

}  // namespace
}  // namespace visage::testing
