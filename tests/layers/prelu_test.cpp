#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

std::unique_ptr<Layer> prelu(const std::string& settings = "") {
  return make_layer("name: 'pr' type: 'PReLU' prelu_param { " + settings + " }");
}

// (1, 2, 2): channel 0 slope 0.25 (the default filler), channel 1 slope -0.5 (set by hand).
TEST(PReLU, ForwardAndBackwardOnHandPickedValues) {
  auto ctx = Context::cpu();
  auto layer = prelu();
  TensorList bottom({{1, 2, 2}}), top(1);
  set_values(bottom[0], {-4, 2, -2, 3});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params().size(), 1u);
  EXPECT_THAT(layer->params()[0]->data(), ElementsAre(0.25f, 0.25f));
  set_values(*layer->params()[0], {0.25f, -0.5f});
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(FloatEq(-1), FloatEq(2), FloatEq(1), FloatEq(3)));
  std::ranges::copy(std::vector<float>{1, 2, 3, 4}, top[0].mutable_diff().begin());
  std::ranges::fill(layer->params()[0]->mutable_diff(), 0.0f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(),
              ElementsAre(FloatEq(0.25f), FloatEq(2), FloatEq(-1.5f), FloatEq(4)));
  // da_c = sum over x <= 0 of dy * x.
  EXPECT_THAT(layer->params()[0]->diff(), ElementsAre(FloatEq(-4), FloatEq(-6)));
}

TEST(PReLU, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape shape;
  };
  for (const auto& [settings, shape] :
       {Case{"", {2, 3, 2, 3}}, Case{"channel_shared: true", {2, 3, 2, 3}}, Case{"", {1, 4}},
        Case{"filler { type: 'gaussian' std: 0.5 }", {3, 5, 1, 2}}}) {
    auto ctx = Context::cpu();
    auto layer = prelu(settings);
    TensorList bottom({shape}), top(1);
    fill_gaussian(bottom[0], 23);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.kink = Kink{0.0f, 0.02f}}))
        << settings << " " << to_string(shape);
  }
}

TEST(PReLU, InPlaceGivesTheSameResultsAsOutOfPlace) {
  auto ctx = Context::cpu();
  auto out_of_place = prelu("filler { type: 'uniform' min: -1 max: 1 }");
  auto in_place = prelu("filler { type: 'uniform' min: -1 max: 1 }");
  TensorList bottom({{2, 3, 4}}), top(1), data({{2, 3, 4}});
  fill_gaussian(bottom[0], 2);
  data[0].copy_data_from(bottom[0]);
  out_of_place->setup(ctx, bottom, top);
  in_place->setup(ctx, data, data);
  in_place->params()[0]->copy_data_from(*out_of_place->params()[0]);
  out_of_place->forward(ctx, bottom, top);
  in_place->forward(ctx, data, data);
  EXPECT_TRUE(std::ranges::equal(top[0].data(), data[0].data()));
  fill_gaussian(top[0], 3);
  std::ranges::copy(top[0].data(), top[0].mutable_diff().begin());
  std::ranges::copy(top[0].data(), data[0].mutable_diff().begin());
  for (auto* l : {out_of_place.get(), in_place.get()}) {
    std::ranges::fill(l->params()[0]->mutable_diff(), 0.0f);
  }
  out_of_place->backward(ctx, top, {true}, bottom);
  in_place->backward(ctx, data, {true}, data);
  EXPECT_TRUE(std::ranges::equal(bottom[0].diff(), data[0].diff()));
  EXPECT_TRUE(std::ranges::equal(out_of_place->params()[0]->diff(), in_place->params()[0]->diff()));
}

TEST(PReLU, RejectsAnInputWithoutChannels) {
  auto ctx = Context::cpu();
  TensorList bottom(std::vector<Shape>{{5}}), top(1);
  try {
    prelu()->setup(ctx, bottom, top);
    FAIL() << "1-D input accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'pr' (PReLU)"), HasSubstr("channel axis")));
  }
}

}  // namespace
}  // namespace visage::testing
