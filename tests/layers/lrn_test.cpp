#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
