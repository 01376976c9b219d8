#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fillers.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;

std::unique_ptr<Layer> inner_product(const std::string& settings) {
  return make_layer("name: 'ip' type: 'InnerProduct' inner_product_param { " + settings + " }");
}

// x = [[1 2 3] [4 5 6]], W = [[1 0 -1] [.5 .5 .5]], b = [.1 -.2]  =>  x W^T + b.
TEST(InnerProduct, ForwardMatchesHandComputedValues) {
  for (const bool transpose : {false, true}) {
    auto ctx = Context::cpu();
    auto layer =
        inner_product(std::string("num_output: 2 transpose: ") + (transpose ? "true" : "false"));
    TensorList bottom({{2, 3}}), top(1);
    set_values(bottom[0], {1, 2, 3, 4, 5, 6});
    layer->setup(ctx, bottom, top);
    ASSERT_EQ(layer->params().size(), 2u);
    if (transpose) {
      ASSERT_EQ(layer->params()[0]->shape(), (Shape{3, 2}));
      set_values(*layer->params()[0], {1, 0.5f, 0, 0.5f, -1, 0.5f});
    } else {
      ASSERT_EQ(layer->params()[0]->shape(), (Shape{2, 3}));
      set_values(*layer->params()[0], {1, 0, -1, 0.5f, 0.5f, 0.5f});
    }
    set_values(*layer->params()[1], {0.1f, -0.2f});
    layer->forward(ctx, bottom, top);
    EXPECT_EQ(top[0].shape(), (Shape{2, 2}));
    EXPECT_THAT(top[0].data(), ElementsAre(FloatNear(-1.9f, 1e-6f), FloatNear(2.8f, 1e-6f),
                                           FloatNear(-1.9f, 1e-6f), FloatNear(7.3f, 1e-6f)))
        << "transpose " << transpose;
  }
}

TEST(InnerProduct, FlattensFromAxisAndCountsMacs) {
  auto ctx = Context::cpu();
  auto layer = inner_product("num_output: 5 axis: -1 weight_filler { type: 'xavier' }");
  TensorList bottom({{2, 3, 4}}), top(1);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(layer->params()[0]->shape(), (Shape{5, 4}));
  EXPECT_EQ(layer->forward_macs(bottom, top), 6 * 5 * 4);

  auto flat = inner_product("num_output: 5");
  TensorList top_flat(1);
  flat->setup(ctx, bottom, top_flat);
  EXPECT_EQ(top_flat[0].shape(), (Shape{2, 5}));
  EXPECT_EQ(flat->params()[0]->shape(), (Shape{5, 12}));
}

TEST(InnerProduct, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"num_output: 4", {3, 2, 5}},
      {"num_output: 3 transpose: true", {2, 7}},
      {"num_output: 1 bias_term: false", {1, 7}},
      {"num_output: 3 axis: 2", {2, 3, 3}},
  };
  for (const auto& c : cases) {
    auto ctx = Context::cpu(5);
    auto layer = inner_product(c.settings + kGaussianFillers);
    TensorList bottom({c.input}), top(1);
    fill_gaussian(bottom[0], 11);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << c.settings;
  }
}

// Parameter gradients accumulate across backward passes; bottom gradients are overwritten.
TEST(InnerProduct, AccumulatesParamGradientsAndOverwritesBottomGradient) {
  auto ctx = Context::cpu();
  auto layer = inner_product(std::string("num_output: 2 ") + kGaussianFillers);
  TensorList bottom({{3, 4}}), top(1);
  fill_gaussian(bottom[0], 3);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  fill_gaussian(top[0], 4);
  std::ranges::copy(top[0].data(), top[0].mutable_diff().begin());
  for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
  layer->backward(ctx, top, {true}, bottom);
  const std::vector<float> weight_once(layer->params()[0]->diff().begin(),
                                       layer->params()[0]->diff().end());
  const std::vector<float> bottom_once(bottom[0].diff().begin(), bottom[0].diff().end());
  layer->backward(ctx, top, {true}, bottom);
  for (std::size_t i = 0; i < weight_once.size(); ++i) {
    EXPECT_FLOAT_EQ(layer->params()[0]->diff()[i], 2 * weight_once[i]);
  }
  for (std::size_t i = 0; i < bottom_once.size(); ++i) {
    EXPECT_FLOAT_EQ(bottom[0].diff()[i], bottom_once[i]);
  }
}

TEST(InnerProduct, RejectsBadSettingsWithClearMessages) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3}}), top(1);
  try {
    inner_product("num_output: 0")->setup(ctx, bottom, top);
    FAIL() << "num_output 0 accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'ip' (InnerProduct)"), HasSubstr("num_output")));
  }
  try {
    inner_product("num_output: 2 axis: 2")->setup(ctx, bottom, top);
    FAIL() << "axis 2 of a 2-D input accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr("layer 'ip'"), HasSubstr("axis 2"), HasSubstr("(2 x 3)")));
  }
  EXPECT_THROW(
      inner_product("num_output: 2 weight_filler { type: 'xavierr' }")->setup(ctx, bottom, top),
      Error);
}

TEST(InnerProduct, ReshapeToAnotherInputSizeNamesTheShapes) {
  auto ctx = Context::cpu();
  auto layer = inner_product("num_output: 4");
  TensorList bottom({{2, 3}}), top(1);
  layer->setup(ctx, bottom, top);
  bottom[0].reshape({5, 2});
  try {
    layer->forward(ctx, bottom, top);
    FAIL() << "input with 2 features accepted by weights for 3";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'ip' (InnerProduct)"), HasSubstr("(5 x 2)"),
                                HasSubstr("(4 x 3)")));
  }
  bottom[0].reshape({7, 3});  // a new batch size is fine
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{7, 4}));
}

}  // namespace
}  // namespace visage::testing
