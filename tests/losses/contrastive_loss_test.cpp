#include "losses/contrastive_loss.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

// Pair 0 is similar at d = 5; pair 1 is dissimilar at d = 0.5, inside the margin 1.
TensorList two_pairs() {
  TensorList bottom({{2, 2}, {2, 2}, {2}});
  set_values(bottom[0], {0, 0, 1, 1});
  set_values(bottom[1], {3, 4, 1, 1.5});
  set_values(bottom[2], {1, 0});
  return bottom;
}

float loss_of(const std::string& settings, TensorList& bottom) {
  auto layer = make_layer("name: 'loss' type: 'ContrastiveLoss' " + settings);
  TensorList top(1);
  Context ctx = Context::cpu();
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  return top[0].data()[0];
}

TEST(ContrastiveLoss, ForwardMatchesHandValues) {
  TensorList bottom = two_pairs();
  // (25 + (1 - 0.5)^2) / (2 * 2)
  EXPECT_FLOAT_EQ(loss_of("contrastive_loss_param { margin: 1 }", bottom), 25.25f / 4);
  // legacy: (25 + max(1 - 0.25, 0)) / 4
  EXPECT_FLOAT_EQ(loss_of("contrastive_loss_param { margin: 1 legacy_version: true }", bottom),
                  25.75f / 4);
  // A dissimilar pair beyond the margin costs nothing: margin 0.4 < d = 0.5.
  EXPECT_FLOAT_EQ(loss_of("contrastive_loss_param { margin: 0.4 }", bottom), 25.0f / 4);
}

TEST(ContrastiveLoss, GradientsMatchFiniteDifferences) {
  for (const std::string settings : {"margin: 2.5", "margin: 2.5 legacy_version: true"}) {
    SCOPED_TRACE(settings);
    auto layer = make_layer("name: 'loss' type: 'ContrastiveLoss' contrastive_loss_param { " +
                            settings + " }");
    TensorList bottom({{6, 3}, {6, 3}, {6}}), top(1);
    fill_gaussian(bottom[0], 3);
    fill_gaussian(bottom[1], 4);
    set_values(bottom[2], {1, 0, 0, 1, 0, 0});
    Context ctx = Context::cpu();
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.step = 1e-3f}));
  }
}

TEST(ContrastiveLoss, ShapeErrorsNameTheLayer) {
  Context ctx = Context::cpu();
  const auto expect_error = [&](TensorList bottom, const std::string& fragment) {
    auto layer = make_layer("name: 'pairs' type: 'ContrastiveLoss'");
    TensorList top(1);
    try {
      layer->setup(ctx, bottom, top);
      ADD_FAILURE() << "expected an error mentioning " << fragment;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("layer 'pairs' (ContrastiveLoss)"), std::string::npos) << message;
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
    }
  };
  expect_error(TensorList({{4, 3}, {4, 2}, {4}}), "must have the same shape");
  expect_error(TensorList({{4, 3}, {4, 3}, {5}}), "5 values for 4 pairs");
}

}  // namespace
}  // namespace visage::testing
