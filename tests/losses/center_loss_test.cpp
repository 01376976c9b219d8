#include "losses/center_loss.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

// Three 2-d features of classes (0, 1, 1) around centers c0 = (0, 0), c1 = (1, 1).
struct SmallBatch {
  std::unique_ptr<Layer> layer = make_layer(
      "name: 'center' type: 'CenterLoss' center_loss_param { num_output: 2 alpha: 0.5 }");
  TensorList bottom{std::vector<Shape>{{3, 2}, {3}}};
  TensorList top{1};
  Context ctx = Context::cpu();

  SmallBatch() {
    set_values(bottom[0], {1, 0, 0, 2, 3, 1});
    set_values(bottom[1], {0, 1, 1});
    layer->setup(ctx, bottom, top);
    set_values(*layer->params()[0], {0, 0, 1, 1});
  }
};

TEST(CenterLoss, ForwardAndBothGradientsMatchHandValues) {
  SmallBatch b;
  b.layer->forward(b.ctx, b.bottom, b.top);
  // Offsets x - c_y: (1, 0), (-1, 1), (2, 0); loss = (1 + 2 + 4) / (2 * 3).
  EXPECT_FLOAT_EQ(b.top[0].data()[0], 7.0f / 6);
  b.top[0].mutable_diff()[0] = 1;
  b.layer->params()[0]->zero_diff(b.ctx);
  b.layer->backward(b.ctx, b.top, {true, false}, b.bottom);
  const std::vector<float> feature_diff(b.bottom[0].diff().begin(), b.bottom[0].diff().end());
  const std::vector<float> expected{1.0f / 3, 0, -1.0f / 3, 1.0f / 3, 2.0f / 3, 0};
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR(feature_diff[k], expected[k], 1e-6) << k;
  // Class 0 (one row): 0.5 * (c0 - x0) / (1 + 1) = (-0.25, 0).
  // Class 1 (two rows): 0.5 * ((1, -1) + (-2, 0)) / (1 + 2) = (-1/6, -1/6).
  const auto centers = b.layer->params()[0]->diff();
  EXPECT_NEAR(centers[0], -0.25, 1e-6);
  EXPECT_NEAR(centers[1], 0.0, 1e-6);
  EXPECT_NEAR(centers[2], -1.0 / 6, 1e-6);
  EXPECT_NEAR(centers[3], -1.0 / 6, 1e-6);
}

TEST(CenterLoss, TheCentersUpdateIgnoresTheLossWeightAndAccumulates) {
  SmallBatch b;
  b.layer->forward(b.ctx, b.bottom, b.top);
  b.top[0].mutable_diff()[0] = 0.01f;  // lambda scales the features' gradient only
  b.layer->params()[0]->zero_diff(b.ctx);
  b.layer->backward(b.ctx, b.top, {true, false}, b.bottom);
  b.layer->backward(b.ctx, b.top, {true, false}, b.bottom);  // iter_size 2
  EXPECT_NEAR(b.bottom[0].diff()[0], 0.01 / 3, 1e-8);
  EXPECT_NEAR(b.layer->params()[0]->diff()[0], -0.5, 1e-6);
}

TEST(CenterLoss, FeatureGradientsMatchFiniteDifferences) {
  auto layer = make_layer(
      "name: 'center' type: 'CenterLoss' center_loss_param { num_output: 3 "
      "center_filler { type: 'gaussian' std: 1 } }");
  TensorList bottom({{5, 4}, {5}}), top(1);
  fill_gaussian(bottom[0], 8);
  fill_labels(bottom[1], 9, 3);
  Context ctx = Context::cpu();
  layer->setup(ctx, bottom, top);
  // The centers' diff is the paper's update, not d loss / d c: checked by hand above.
  EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.check_params = false}));
}

TEST(CenterLoss, ShapeAndLabelErrorsNameTheLayer) {
  Context ctx = Context::cpu();
  const std::string prototxt =
      "name: 'center' type: 'CenterLoss' center_loss_param { num_output: 2 }";
  const auto expect_error = [&](const std::function<void()>& run, const std::string& fragment) {
    try {
      run();
      ADD_FAILURE() << "expected an error mentioning " << fragment;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("layer 'center' (CenterLoss)"), std::string::npos) << message;
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
    }
  };
  expect_error(
      [&] {
        TensorList bottom({{4, 3}, {5}}), top(1);
        make_layer(prototxt)->setup(ctx, bottom, top);
      },
      "expected one label per row (4)");
  expect_error(
      [&] {
        auto layer = make_layer(prototxt);
        TensorList bottom({{4, 3}, {4}}), top(1);
        layer->setup(ctx, bottom, top);
        bottom[0].reshape({4, 2});
        layer->reshape(bottom, top);
      },
      "do not have 3 values per row");
  expect_error(
      [&] {
        auto layer = make_layer(prototxt);
        TensorList bottom({{2, 3}, {2}}), top(1);
        set_values(bottom[1], {0, 2});
        layer->setup(ctx, bottom, top);
        layer->forward(ctx, bottom, top);
      },
      "label 2 at row 1 is out of range for 2 centers");
  expect_error(
      [&] {
        TensorList bottom({{2, 3}, {2}}), top(1);
        make_layer("name: 'center' type: 'CenterLoss'")->setup(ctx, bottom, top);
      },
      "num_output");
}

}  // namespace
}  // namespace visage::testing
