#include "losses/margin_softmax_loss.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/config.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

// 2-d toy: class rows W0 = (2, 0), W1 = (0, 3), W2 = (-1, 0) point along +x, +y, -x; embeddings
// (3, 4) of class 0, (0, -2) of class 1, (-5, 0) of class 2. Their cosines to the classes are
//   row 0: ( 0.6,  0.8, -0.6)   row 1: (0, -1, 0)   row 2: (-1, 0, 1)
// so row 0 is nearer class 1 than its own, row 1 points opposite its class (theta_y = pi) and row 2
// sits exactly on its class (theta_y = 0).
struct Toy {
  std::unique_ptr<Layer> layer;
  TensorList bottom{std::vector<Shape>{{3, 2}, {3}}};
  TensorList top{2};
  Context ctx = Context::cpu();

  explicit Toy(const std::string& settings) {
    layer = make_layer(
        "name: 'msl' type: 'MarginSoftmaxLoss' margin_softmax_loss_param { num_output: 3 scale: "
        "2 " +
        settings + " }");
    set_values(bottom[0], {3, 4, 0, -2, -5, 0});
    set_values(bottom[1], {0, 1, 2});
    layer->setup(ctx, bottom, top);
    set_values(*layer->params()[0], {2, 0, 0, 3, -1, 0});
  }

  float loss() {
    layer->forward(ctx, bottom, top);
    return top[0].data()[0];
  }
};

// -log softmax(z)_y for three logits.
double cross_entropy(double z0, double z1, double z2, int label) {
  const double z[] = {z0, z1, z2};
  return std::log(std::exp(z0) + std::exp(z1) + std::exp(z2)) - z[label];
}

TEST(MarginSoftmaxLoss, CosFaceLossMatchesHandValues) {
  Toy toy("type: COSINE margin: 0.35");
  // s = 2; the true class's logit is 2 (cos - 0.35).
  const double expected =
      (cross_entropy(2 * (0.6 - 0.35), 1.6, -1.2, 0) + cross_entropy(0, 2 * (-1 - 0.35), 0, 1) +
       cross_entropy(-2, 0, 2 * (1 - 0.35), 2)) /
      3;
  EXPECT_NEAR(toy.loss(), expected, 1e-5);
  // Only row 2's nearest class is its own; the target cosines are 0.6, -1 and 1.
  EXPECT_NEAR(toy.top[1].data()[0], 1.0 / 3, 1e-6);
  EXPECT_NEAR(toy.top[1].data()[1], 0.6 / 3, 1e-6);
}

TEST(MarginSoftmaxLoss, ArcFaceLossMatchesHandValuesIncludingTheFallback) {
  Toy toy("type: ARC margin: 0.5");
  // Row 0: cos(acos 0.6 + 0.5) = 0.6 cos 0.5 - 0.8 sin 0.5. Row 1: theta_y + m = pi + 0.5 > pi, so
  // the fallback cos(theta) - m sin m = -1 - 0.5 sin 0.5. Row 2: cos(0 + 0.5).
  const double expected =
      (cross_entropy(2 * (0.6 * std::cos(0.5) - 0.8 * std::sin(0.5)), 1.6, -1.2, 0) +
       cross_entropy(0, 2 * (-1 - 0.5 * std::sin(0.5)), 0, 1) +
       cross_entropy(-2, 0, 2 * std::cos(0.5), 2)) /
      3;
  EXPECT_NEAR(toy.loss(), expected, 1e-5);
}

TEST(MarginSoftmaxLoss, ArcFaceGradientStaysFiniteAtThetaZero) {
  Toy toy("type: ARC margin: 0.5");
  toy.loss();
  toy.top[0].mutable_diff()[0] = 1;
  toy.layer->params()[0]->zero_diff(toy.ctx);
  toy.layer->backward(toy.ctx, toy.top, {true, false}, toy.bottom);
  for (float v : toy.bottom[0].diff()) EXPECT_TRUE(std::isfinite(v));
  for (float v : toy.layer->params()[0]->diff()) EXPECT_TRUE(std::isfinite(v));
}

TEST(MarginSoftmaxLoss, DefaultsAreThePapersMarginsAndTheAdaCosScale) {
  TensorList bottom({{2, 4}, {2}}), top(1);
  Context ctx = Context::cpu();
  auto cosface = make_layer(
      "name: 'msl' type: 'MarginSoftmaxLoss' margin_softmax_loss_param { num_output: 1450 }");
  cosface->setup(ctx, bottom, top);
  const auto& layer = dynamic_cast<MarginSoftmaxLossLayer&>(*cosface);
  EXPECT_NEAR(layer.scale(), std::sqrt(2.0) * std::log(1449.0), 1e-5);  // about 10.29
  EXPECT_FLOAT_EQ(layer.margin(), 0.35f);
  auto arcface = make_layer(
      "name: 'msl' type: 'MarginSoftmaxLoss' margin_softmax_loss_param { num_output: 3 type: ARC "
      "}");
  arcface->setup(ctx, bottom, top);
  EXPECT_FLOAT_EQ(dynamic_cast<MarginSoftmaxLossLayer&>(*arcface).margin(), 0.5f);
}

// With m = 0 both types are a softmax over s cos_ij: SoftmaxWithLoss fed those logits (cosines
// computed here) must give the same loss.
TEST(MarginSoftmaxLoss, ZeroMarginIsANormalisedSoftmax) {
  constexpr int64_t kRows = 6, kDim = 5, kClasses = 4;
  constexpr float kScale = 3.0f;
  TensorList bottom({{kRows, kDim}, {kRows}});
  fill_gaussian(bottom[0], 11);
  fill_labels(bottom[1], 12, kClasses);
  for (const char* type : {"COSINE", "ARC"}) {
    SCOPED_TRACE(type);
    Context ctx = Context::cpu();
    auto layer = make_layer(std::string("name: 'msl' type: 'MarginSoftmaxLoss' "
                                        "margin_softmax_loss_param { num_output: 4 scale: 3 "
                                        "margin: 0 weight_filler { type: 'gaussian' } type: ") +
                            type + " }");
    TensorList top(1);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);

    TensorList scores({{kRows, kClasses}, {kRows}}), softmax_top(1);
    const auto x = bottom[0].data();
    const auto w = layer->params()[0]->data();
    const auto norm = [](const float* v) {
      double s = 0;
      for (int64_t k = 0; k < kDim; ++k) s += double{v[k]} * v[k];
      return std::sqrt(s);
    };
    const auto logits = scores[0].mutable_data();
    for (int64_t i = 0; i < kRows; ++i) {
      for (int64_t j = 0; j < kClasses; ++j) {
        double dot = 0;
        for (int64_t k = 0; k < kDim; ++k) dot += double{x[i * kDim + k]} * w[j * kDim + k];
        logits[i * kClasses + j] =
            static_cast<float>(kScale * dot / (norm(&x[i * kDim]) * norm(&w[j * kDim])));
      }
    }
    set_values(scores[1], std::vector<float>(bottom[1].data().begin(), bottom[1].data().end()));
    auto softmax = make_layer("name: 'softmax' type: 'SoftmaxWithLoss'");
    softmax->setup(ctx, scores, softmax_top);
    softmax->forward(ctx, scores, softmax_top);
    EXPECT_NEAR(top[0].data()[0], softmax_top[0].data()[0], 1e-5);
  }
}

void expect_gradients_match(const std::string& settings) {
  auto layer = make_layer(
      "name: 'msl' type: 'MarginSoftmaxLoss' margin_softmax_loss_param { num_output: 6 "
      "weight_filler { type: 'gaussian' std: 0.5 } " +
      settings + " }");
  TensorList bottom({{5, 4}, {5}}), top(2);
  fill_gaussian(bottom[0], 21, 0.0f, 2.0f);
  fill_labels(bottom[1], 22, 6);
  Context ctx = Context::cpu();
  layer->setup(ctx, bottom, top);
  // The second top (accuracy, mean target cosine) carries no gradient.
  EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.step = 1e-3f, .objective_tops = {0}}));
}

TEST(MarginSoftmaxLoss, CosFaceGradientsMatchFiniteDifferences) {
  expect_gradients_match("type: COSINE margin: 0.35 scale: 4");
}

TEST(MarginSoftmaxLoss, ArcFaceGradientsMatchFiniteDifferences) {
  expect_gradients_match("type: ARC margin: 0.5 scale: 4");
}

TEST(MarginSoftmaxLoss, GradientsWithTheDefaultScaleMatchFiniteDifferences) {
  expect_gradients_match("type: ARC");
}

TEST(MarginSoftmaxLoss, ClassGradientsAccumulate) {
  Toy toy("type: COSINE margin: 0.35");
  toy.loss();
  toy.top[0].mutable_diff()[0] = 1;
  toy.layer->params()[0]->zero_diff(toy.ctx);
  toy.layer->backward(toy.ctx, toy.top, {true, false}, toy.bottom);
  const std::vector<float> once(toy.layer->params()[0]->diff().begin(),
                                toy.layer->params()[0]->diff().end());
  toy.layer->backward(toy.ctx, toy.top, {true, false}, toy.bottom);  // iter_size 2
  for (size_t k = 0; k < once.size(); ++k) {
    EXPECT_NEAR(toy.layer->params()[0]->diff()[k], 2 * once[k], 1e-6) << k;
  }
}

TEST(MarginSoftmaxLoss, BadParametersAndShapesNameTheLayer) {
  Context ctx = Context::cpu();
  const auto expect_error = [&](const std::function<void()>& run, const std::string& fragment) {
    try {
      run();
      ADD_FAILURE() << "expected an error mentioning " << fragment;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("layer 'msl' (MarginSoftmaxLoss)"), std::string::npos) << message;
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
    }
  };
  const auto setup = [&](const std::string& settings) {
    TensorList bottom({{4, 3}, {4}}), top(1);
    make_layer("name: 'msl' type: 'MarginSoftmaxLoss' margin_softmax_loss_param { " + settings +
               " }")
        ->setup(ctx, bottom, top);
  };
  expect_error([&] { setup("scale: 2"); }, "num_output");
  expect_error([&] { setup("num_output: 3 margin: -0.1"); }, "margin must be finite and >= 0");
  expect_error([&] { setup("num_output: 3 type: ARC margin: 2"); }, "above pi/2 for ARC");
  expect_error([&] { setup("num_output: 3 scale: 0"); }, "scale must be finite and > 0");
  expect_error([&] { setup("num_output: 2"); }, "needs C >= 3 classes");
  expect_error([&] { setup("num_output: 3 weight_filler { type: 'nope' }"); }, "weight_filler");

  const std::string prototxt =
      "name: 'msl' type: 'MarginSoftmaxLoss' margin_softmax_loss_param { num_output: 3 }";
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
      "are not N x 3");
  expect_error(
      [&] {
        auto layer = make_layer(prototxt);
        TensorList bottom({{2, 3}, {2}}), top(1);
        set_values(bottom[1], {0, 3});
        layer->setup(ctx, bottom, top);
        layer->forward(ctx, bottom, top);
      },
      "label 3 at row 1 is out of range for 3 classes");
}

// The proto's ranges refuse a negative margin and a scale of 0 where the config is read.
TEST(MarginSoftmaxLoss, ConfigRangesAreCheckedWhereTheConfigIsRead) {
  const auto net_error = [](const std::string& settings) {
    return error_of([&] {
      parse_net_config(
          "layer { name: 'msl' type: 'MarginSoftmaxLoss' bottom: 'x' bottom: 'y'\n"
          "  margin_softmax_loss_param { num_output: 3 " +
              settings + " } }\n",
          "net.prototxt");
    });
  };
  EXPECT_TRUE(says(net_error("margin: -0.1"),
                   "layer[0].margin_softmax_loss_param.margin must be >= 0, got -0.1"));
  EXPECT_TRUE(
      says(net_error("scale: 0"), "layer[0].margin_softmax_loss_param.scale must be > 0, got 0"));
  EXPECT_EQ(net_error("type: ARC margin: 0.5 scale: 16"), "(no error)");
}

}  // namespace
}  // namespace visage::testing
