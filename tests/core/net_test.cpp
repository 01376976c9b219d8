#include "core/net.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "solvers/builtin_layers.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Input -> InnerProduct -> ReLU (in place) -> InnerProduct -> SoftmaxWithLoss + Accuracy.
// `ip1_param` goes into ip1's layer block (param { } specs).
std::string mlp(const std::string& ip1_param = "") {
  return R"(name: 'mlp'
layer { name: 'data' type: 'Input' top: 'x' top: 'label'
        input_param { shape { dim: 4 dim: 5 } shape { dim: 4 } } }
layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'hidden' )" +
         ip1_param + R"(
        inner_product_param { num_output: 6 weight_filler { type: 'gaussian' std: 0.5 }
                              bias_filler { type: 'gaussian' std: 0.5 } } }
layer { name: 'relu1' type: 'ReLU' bottom: 'hidden' top: 'hidden' }
layer { name: 'ip2' type: 'InnerProduct' bottom: 'hidden' top: 'logits'
        inner_product_param { num_output: 3 weight_filler { type: 'gaussian' std: 0.5 } } }
layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'logits' bottom: 'label' top: 'loss' }
layer { name: 'accuracy' type: 'Accuracy' bottom: 'logits' bottom: 'label' top: 'accuracy' }
)";
}

int index_of(const Net& net, const std::string& layer) {
  for (int i = 0; i < net.num_layers(); ++i) {
    if (net.layer(i).name() == layer) return i;
  }
  ADD_FAILURE() << "no layer '" << layer << "'";
  return -1;
}

std::vector<std::string> layer_names(const Net& net) {
  std::vector<std::string> names;
  for (int i = 0; i < net.num_layers(); ++i) names.push_back(net.layer(i).name());
  return names;
}

void fill_inputs(Net& net, uint64_t seed) {
  fill_gaussian(*net.tensor("x"), seed);
  if (Tensor* y = net.tensor("y")) fill_gaussian(*y, seed + 1);
  fill_labels(*net.tensor("label"), seed + 2, 2);
}

std::string build_error(const std::string& text, const std::string& source = "net.prototxt") {
  auto ctx = Context::cpu();
  try {
    Net net(parse_net_config(text, source), {}, ctx, builtin_layers());
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "the net was built";
  return {};
}

// Finite differences of the net's loss w.r.t. every element of the contiguous parameter buffer.
void expect_net_gradients_match(Net& net, Context& ctx) {
  net.zero_param_diffs(ctx);
  net.forward_backward(ctx);
  Tensor& params = net.all_params();
  const std::vector<float> analytic(params.diff().begin(), params.diff().end());
  const float h = 2e-3f;
  int checked = 0;
  for (int64_t i = 0; i < params.count(); ++i) {
    const float original = params.data()[i];
    params.mutable_data()[i] = original + h;
    const double plus = net.forward(ctx);
    params.mutable_data()[i] = original - h;
    const double minus = net.forward(ctx);
    params.mutable_data()[i] = original;
    const double numeric = (plus - minus) / (2 * h);
    const double allowed = 1e-3 + 1e-2 * std::max(std::abs(numeric), double{std::abs(analytic[i])});
    EXPECT_NEAR(analytic[i], numeric, allowed) << "parameter element " << i;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Net, InsertsASplitWhereLogitsFeedTwoLayers) {
  auto ctx = Context::cpu();
  Net net(parse_net_config(mlp()), {}, ctx, builtin_layers());
  const int split = index_of(net, "logits_ip2_0_split");
  ASSERT_GE(split, 0);
  EXPECT_STREQ(net.layer(split).type(), "Split");
  EXPECT_EQ(net.bottoms(split)[0], net.tensor("logits"));
  ASSERT_EQ(net.tops(split).size(), 2u);
  const int loss = index_of(net, "loss");
  const int accuracy = index_of(net, "accuracy");
  EXPECT_EQ(net.bottoms(loss)[0], net.tops(split)[0]);
  EXPECT_EQ(net.bottoms(accuracy)[0], net.tops(split)[1]);
  EXPECT_LT(split, loss);
}

TEST(Net, PrunesBackwardNobodyNeeds) {
  auto ctx = Context::cpu();
  Net net(parse_net_config(mlp()), {}, ctx, builtin_layers());
  for (const char* needed : {"ip1", "relu1", "ip2", "logits_ip2_0_split", "loss"}) {
    EXPECT_TRUE(net.layer_needs_backward(index_of(net, needed))) << needed;
  }
  for (const char* idle : {"data", "accuracy", "label_data_1_split"}) {
    EXPECT_FALSE(net.layer_needs_backward(index_of(net, idle))) << idle;
  }
  // Neither input receives a gradient: their diffs keep what was there.
  fill_inputs(net, 3);
  std::ranges::fill(net.tensor("x")->mutable_diff(), 123.0f);
  std::ranges::fill(net.tensor("label")->mutable_diff(), 123.0f);
  net.forward_backward(ctx);
  EXPECT_TRUE(std::ranges::all_of(net.tensor("x")->diff(), [](float g) { return g == 123.0f; }));
  EXPECT_TRUE(
      std::ranges::all_of(net.tensor("label")->diff(), [](float g) { return g == 123.0f; }));
}

// `visage time` on a deploy net (no loss) does a training step's backward: every layer leading to
// an output (here one written in place), but no gradient into the input, which force_backward
// would compute. A net with a loss keeps its own pruning.
TEST(Net, BackwardFromOutputsSkipsTheInputsGradient) {
  const std::string deploy = R"(name: 'deploy'
layer { name: 'data' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 5 } } }
layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'hidden'
        inner_product_param { num_output: 4 weight_filler { type: 'gaussian' } } }
layer { name: 'relu1' type: 'ReLU' bottom: 'hidden' top: 'hidden' }
layer { name: 'ip2' type: 'InnerProduct' bottom: 'hidden' top: 'embedding'
        inner_product_param { num_output: 3 weight_filler { type: 'gaussian' } } }
layer { name: 'relu2' type: 'ReLU' bottom: 'embedding' top: 'embedding' }
)";
  auto ctx = Context::cpu();
  const Net pruned(parse_net_config(deploy), {}, ctx, builtin_layers());
  EXPECT_THAT(pruned.output_names(), ElementsAre("embedding"));
  for (int i = 0; i < pruned.num_layers(); ++i) EXPECT_FALSE(pruned.layer_needs_backward(i)) << i;

  // A side output with parameters, outside the loss: a training step leaves it alone.
  const std::string side = mlp() + R"(layer { name: 'side' type: 'InnerProduct' bottom: 'x'
        top: 'side' inner_product_param { num_output: 2 weight_filler { type: 'gaussian' } } }
)";
  NetOptions from_outputs;
  from_outputs.backward_from_outputs = true;
  const Net with_loss(parse_net_config(side), from_outputs, ctx, builtin_layers());
  EXPECT_FALSE(with_loss.layer_needs_backward(index_of(with_loss, "side")));
  EXPECT_TRUE(with_loss.layer_needs_backward(index_of(with_loss, "ip1")));

  Net net(parse_net_config(deploy), from_outputs, ctx, builtin_layers());
  for (const char* needed : {"ip1", "relu1", "ip2", "relu2"}) {
    EXPECT_TRUE(net.layer_needs_backward(index_of(net, needed))) << needed;
  }
  EXPECT_FALSE(net.layer_needs_backward(index_of(net, "data")));
  fill_gaussian(*net.tensor("x"), 2);
  std::ranges::fill(net.tensor("x")->mutable_diff(), 123.0f);
  std::ranges::fill(net.tensor("embedding")->mutable_diff(), 1.0f);
  net.zero_param_diffs(ctx);
  net.forward(ctx);
  net.backward(ctx);
  EXPECT_TRUE(std::ranges::all_of(net.tensor("x")->diff(), [](float g) { return g == 123.0f; }));
  const auto ip1_weights = net.layer(index_of(net, "ip1")).params()[0]->diff();
  EXPECT_TRUE(std::ranges::any_of(ip1_weights, [](float g) { return g != 0; }));

  NetConfig forced = parse_net_config(deploy);
  forced.param.set_force_backward(true);
  Net forced_net(forced, {}, ctx, builtin_layers());
  fill_gaussian(*forced_net.tensor("x"), 2);
  std::ranges::fill(forced_net.tensor("x")->mutable_diff(), 123.0f);
  std::ranges::fill(forced_net.tensor("embedding")->mutable_diff(), 1.0f);
  forced_net.forward(ctx);
  forced_net.backward(ctx);
  EXPECT_TRUE(
      std::ranges::any_of(forced_net.tensor("x")->diff(), [](float g) { return g != 123.0f; }));
}

TEST(Net, ReluRunsInPlaceAndLossIsTheWeightedTop) {
  auto ctx = Context::cpu();
  Net net(parse_net_config(mlp()), {}, ctx, builtin_layers());
  const int relu = index_of(net, "relu1");
  EXPECT_EQ(net.tops(relu)[0], net.bottoms(relu)[0]);
  EXPECT_EQ(net.tops(relu)[0], net.tensor("hidden"));
  fill_inputs(net, 4);
  const float loss = net.forward(ctx);
  EXPECT_TRUE(std::ranges::all_of(net.tensor("hidden")->data(), [](float v) { return v >= 0; }));
  // The accuracy is an output, not part of the loss.
  EXPECT_FLOAT_EQ(loss, net.tensor("loss")->data()[0]);
  EXPECT_GT(loss, 0.0f);
  const float accuracy = net.tensor("accuracy")->data()[0];
  EXPECT_TRUE(accuracy == 0 || accuracy == 0.25f || accuracy == 0.5f || accuracy == 0.75f ||
              accuracy == 1);
}

// Input -> three Convolution + ReLU pairs -> InnerProduct -> SoftmaxWithLoss, the ReLUs in place
// (`in_place`) or writing tops of their own. The convolutions take the CPU's three routes: 3x3 at
// stride 1 (Winograd under `fastest`), 1x1 on 24x24 (an image at a time), 3x3 at stride 2 on 12x12
// outputs (images side by side).
std::string conv_relu_net(bool in_place) {
  std::string text = R"(name: 'conv_relu'
layer { name: 'data' type: 'Input' top: 'x' top: 'label'
        input_param { shape { dim: 3 dim: 4 dim: 24 dim: 24 } shape { dim: 3 } } })";
  const char* settings[] = {"num_output: 8 kernel_size: 3 pad: 1", "num_output: 6 kernel_size: 1",
                            "num_output: 5 kernel_size: 3 stride: 2 pad: 1"};
  std::string input = "x";
  for (int i = 1; i <= 3; ++i) {
    const std::string n = std::to_string(i), conv = "c" + n, relu = in_place ? conv : "r" + n;
    text += "\nlayer { name: 'conv" + n + "' type: 'Convolution' bottom: '" + input + "' top: '" +
            conv + "' convolution_param { " + settings[i - 1] +
            " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 "
            "} } }\nlayer { name: 'relu" +
            n + "' type: 'ReLU' bottom: '" + conv + "' top: '" + relu + "' }";
    input = relu;
  }
  return text + R"(
layer { name: 'ip' type: 'InnerProduct' bottom: ')" +
         input + R"(' top: 'logits'
        inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.05 } } }
layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'logits' bottom: 'label' top: 'loss' }
)";
}

// One training pass, forward layer by layer (`after_forward(i)` sees layer i's outputs) and then
// backward: the loss and every parameter's gradient.
struct LossAndGradients {
  float loss = 0;
  std::vector<std::vector<float>> gradients;
};
template <typename AfterForward>
LossAndGradients forward_backward_by_layer(Net& net, Context& ctx, AfterForward after_forward) {
  LossAndGradients result;
  for (int i = 0; i < net.num_layers(); ++i) {
    result.loss += net.forward_layer(ctx, i);
    after_forward(i);
  }
  net.zero_param_diffs(ctx);
  net.backward(ctx);
  for (int i = 0; i < net.num_layers(); ++i) {
    for (const auto& p : net.layer(i).params()) {
      result.gradients.emplace_back(p->diff().begin(), p->diff().end());
    }
  }
  return result;
}

// An in-place ReLU right after a Convolution is applied by the convolution on the CPU (direct
// sums, Winograd and images side by side alike): its outputs come out clamped, and the loss and
// every gradient have the bits the ReLU layer gives.
TEST(Net, ConvolutionAppliesTheInPlaceReluAfterItWithTheReluLayersBits) {
  for (const auto algorithms :
       {ConvolutionAlgorithms::reproducible, ConvolutionAlgorithms::fastest}) {
    LossAndGradients results[2];
    for (const bool in_place : {false, true}) {
      auto ctx = Context::cpu(17);
      ctx.set_convolution_algorithms(algorithms);
      Net net(parse_net_config(conv_relu_net(in_place)), {}, ctx, builtin_layers());
      fill_gaussian(*net.tensor("x"), 5);
      fill_labels(*net.tensor("label"), 6, 2);
      // Each convolution's outputs come out clamped where it applies the ReLU (not vacuous: the
      // unfused net's are about half negative).
      results[in_place] = forward_backward_by_layer(net, ctx, [&](int i) {
        if (std::string(net.layer(i).type()) != "Convolution") return;
        const auto out = net.tops(i)[0]->data();
        EXPECT_EQ(std::ranges::all_of(out, [](float v) { return v >= 0; }), in_place)
            << net.layer(i).name();
      });
    }
    EXPECT_EQ(results[0].loss, results[1].loss);
    EXPECT_EQ(results[0].gradients, results[1].gradients);
  }
}

// BatchNorm, Scale and ReLU as LFW's and the quickstart's networks chain them: an in-place ReLU
// after the Scale is applied by the Scale on the CPU, with the ReLU layer's bits. 6 channels: a
// group of four and two lone ones for the channel-grouped sums.
TEST(Net, ScaleAppliesTheInPlaceReluAfterItWithTheReluLayersBits) {
  const auto text = [](bool in_place) {
    const std::string relu_top = in_place ? "s" : "r";
    return R"(name: 'bn_scale_relu'
layer { name: 'data' type: 'Input' top: 'x' top: 'label'
        input_param { shape { dim: 3 dim: 4 dim: 8 dim: 8 } shape { dim: 3 } } }
layer { name: 'conv' type: 'Convolution' bottom: 'x' top: 'c'
        convolution_param { num_output: 6 kernel_size: 3 pad: 1 bias_term: false
                            weight_filler { type: 'gaussian' std: 0.3 } } }
layer { name: 'bn' type: 'BatchNorm' bottom: 'c' top: 'c' }
layer { name: 'scale' type: 'Scale' bottom: 'c' top: 's'
        scale_param { bias_term: true filler { type: 'gaussian' std: 1 }
                      bias_filler { type: 'gaussian' std: 0.5 } } }
layer { name: 'relu' type: 'ReLU' bottom: 's' top: ')" +
           relu_top + R"(' }
layer { name: 'ip' type: 'InnerProduct' bottom: ')" +
           relu_top + R"(' top: 'logits'
        inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.05 } } }
layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'logits' bottom: 'label' top: 'loss' }
)";
  };
  LossAndGradients results[2];
  for (const bool in_place : {false, true}) {
    auto ctx = Context::cpu(19);
    Net net(parse_net_config(text(in_place)), {}, ctx, builtin_layers());
    fill_gaussian(*net.tensor("x"), 7);
    fill_labels(*net.tensor("label"), 8, 2);
    const int scale = index_of(net, "scale");
    results[in_place] = forward_backward_by_layer(net, ctx, [&](int i) {
      if (i != scale) return;
      // Not vacuous: about half of the unfused Scale's outputs are negative.
      const auto out = net.tops(i)[0]->data();
      EXPECT_EQ(std::ranges::all_of(out, [](float v) { return v >= 0; }), in_place);
    });
  }
  EXPECT_EQ(results[0].loss, results[1].loss);
  EXPECT_EQ(results[0].gradients, results[1].gradients);
}

// Conv -> BatchNorm -> Scale -> InnerProduct -> loss, the BatchNorm in place on the convolution's
// output 'c' or writing 'b'; `bn_settings` go into the BatchNorm's layer. 3 x 6 x 63 x 63
// activations: enough for two workers (cpu::elementwise_workers); 6 channels make a group of
// four and two lone ones (layers/channel_groups.hpp), and planes of 3,969 values make runs of
// four and one more (layers/channel_lanes.hpp).
std::string bn_scale_net(bool in_place, const std::string& bn_settings) {
  const std::string normalised = in_place ? "c" : "b";
  return R"(name: 'bn_scale'
layer { name: 'data' type: 'Input' top: 'x' top: 'label'
        input_param { shape { dim: 3 dim: 4 dim: 63 dim: 63 } shape { dim: 3 } } }
layer { name: 'conv' type: 'Convolution' bottom: 'x' top: 'c'
        convolution_param { num_output: 6 kernel_size: 3 pad: 1
                            weight_filler { type: 'gaussian' std: 0.3 } } }
layer { name: 'bn' type: 'BatchNorm' bottom: 'c' top: ')" +
         normalised + "' " + bn_settings + R"( }
layer { name: 'scale' type: 'Scale' bottom: ')" +
         normalised + R"(' top: 's'
        scale_param { bias_term: true filler { type: 'gaussian' std: 1 }
                      bias_filler { type: 'gaussian' std: 0.5 } } }
layer { name: 'ip' type: 'InnerProduct' bottom: 's' top: 'logits'
        inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.01 } } }
layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'logits' bottom: 'label' top: 'loss' }
)";
}

// A Scale after an in-place BatchNorm runs the BatchNorm's backward on the CPU
// (Layer::absorb_backward_of); after an out-of-place one each runs its own. Both give the same
// loss, parameter gradients and BatchNorm input gradient to the bit, with batch statistics and
// with global ones.
TEST(Net, ScaleRunsTheInPlaceBatchNormsBackwardWithItsBits) {
  for (const bool global_stats : {false, true}) {
    LossAndGradients results[2];
    std::vector<float> input_gradients[2];
    for (const bool in_place : {false, true}) {
      auto ctx = Context::cpu(23);
      Net net(parse_net_config(
                  bn_scale_net(in_place, std::string("batch_norm_param { use_global_stats: ") +
                                             (global_stats ? "true" : "false") + " }")),
              {}, ctx, builtin_layers());
      fill_gaussian(*net.tensor("x"), 9, 0.5f, 2.0f);
      fill_labels(*net.tensor("label"), 10, 2);
      const int bn = index_of(net, "bn");
      if (global_stats) {
        set_values(*net.layer(bn).params()[0], {0.5f, -1, 2, 0, 1, -0.5f});
        set_values(*net.layer(bn).params()[1], {1, 4, 0.25f, 2, 3, 0.5f});
        set_values(*net.layer(bn).params()[2], {0.5f});
      }
      results[in_place] = forward_backward_by_layer(net, ctx, [](int) {});
      const auto c_gradient = net.tensor("c")->diff();
      input_gradients[in_place].assign(c_gradient.begin(), c_gradient.end());
      EXPECT_TRUE(std::ranges::any_of(c_gradient, [](float g) { return g != 0; }));
      // In place, the BatchNorm's own CPU backward is left to the Scale: run alone, it writes
      // nothing (out of place it writes its gradient again).
      std::ranges::fill(net.tensor("c")->mutable_diff(), 7.0f);
      net.backward_layer(ctx, bn);
      EXPECT_EQ(std::ranges::all_of(net.tensor("c")->diff(), [](float g) { return g == 7.0f; }),
                in_place);
    }
    EXPECT_EQ(results[0].loss, results[1].loss) << "global statistics: " << global_stats;
    EXPECT_EQ(results[0].gradients, results[1].gradients) << "global statistics: " << global_stats;
    EXPECT_EQ(input_gradients[0], input_gradients[1]) << "global statistics: " << global_stats;
  }
}

// A BatchNorm told not to hand a gradient down (propagate_down: false) keeps its backward: the
// Scale after it does not take it over, and the convolution below gets the Scale's gradient
// dy * s unchanged, as Caffe passes it.
TEST(Net, BatchNormThatPropagatesNothingKeepsItsOwnBackward) {
  auto ctx = Context::cpu(29);
  Net net(parse_net_config(bn_scale_net(true, "propagate_down: false")), {}, ctx, builtin_layers());
  fill_gaussian(*net.tensor("x"), 11, 0.5f, 2.0f);
  fill_labels(*net.tensor("label"), 12, 2);
  forward_backward_by_layer(net, ctx, [](int) {});
  const auto scale = net.layer(index_of(net, "scale")).params()[0]->data();
  const auto dy = net.tensor("s")->diff();
  const auto dc = net.tensor("c")->diff();
  const int64_t plane = 63 * 63;
  for (int64_t i = 0; i < net.tensor("c")->count(); ++i) {
    ASSERT_EQ(dc[i], dy[i] * scale[(i / plane) % 6]) << "element " << i;
  }
}

// The gradient is zeroed in 4 MB blocks over the BLAS threads: 1,201,000 values make one block
// of 2^20 and a partial one, every value set beforehand.
TEST(Net, ZeroesEveryValueOfALargeGradient) {
  auto ctx = Context::cpu(3);
  Net net(parse_net_config(R"(name: 'wide'
layer { name: 'data' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 1200 } } }
layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y'
        inner_product_param { num_output: 1000 } })"),
          {}, ctx, builtin_layers());
  Tensor& params = net.all_params();
  ASSERT_EQ(params.count(), 1200 * 1000 + 1000);
  std::ranges::fill(params.mutable_diff(), 1.5f);
  net.zero_param_diffs(ctx);
  EXPECT_EQ(std::ranges::count(params.diff(), 0.0f), params.count());
}

TEST(Net, WholeNetGradientsMatchFiniteDifferences) {
  auto ctx = Context::cpu(11);
  Net net(parse_net_config(mlp()), {}, ctx, builtin_layers());
  EXPECT_EQ(net.num_param_elements(), 6 * 5 + 6 + 3 * 6 + 3);
  fill_inputs(net, 5);
  expect_net_gradients_match(net, ctx);
}

TEST(Net, ZeroLrMultLayerIsSkippedInBackward) {
  auto ctx = Context::cpu();
  Net net(parse_net_config(mlp("param { lr_mult: 0 } param { lr_mult: 0 }")), {}, ctx,
          builtin_layers());
  const int ip1 = index_of(net, "ip1");
  EXPECT_FALSE(net.layer_needs_backward(ip1));
  EXPECT_TRUE(net.layer_needs_backward(index_of(net, "ip2")));
  ASSERT_EQ(net.learnable_params().size(), 4u);
  EXPECT_EQ(net.learnable_params()[0].lr_mult, 0.0f);
  fill_inputs(net, 6);
  net.zero_param_diffs(ctx);
  net.forward_backward(ctx);
  for (const auto& p : net.layer(ip1).params()) {
    EXPECT_TRUE(std::ranges::all_of(p->diff(), [](float g) { return g == 0; }));
  }
  const auto ip2_weights = net.layer(index_of(net, "ip2")).params()[0]->diff();
  EXPECT_TRUE(std::ranges::any_of(ip2_weights, [](float g) { return g != 0; }));
}

// Two InnerProducts on different inputs share the weight 'w'; each feeds its own loss.
std::string shared_net(float weight_a, float weight_b) {
  return concat(R"(name: 'shared'
layer { name: 'data' type: 'Input' top: 'x' top: 'y' top: 'label'
        input_param { shape { dim: 3 dim: 4 } shape { dim: 3 dim: 4 } shape { dim: 3 } } }
layer { name: 'ip_a' type: 'InnerProduct' bottom: 'x' top: 'a' param { name: 'w' }
        inner_product_param { num_output: 2 weight_filler { type: 'gaussian' } } }
layer { name: 'ip_b' type: 'InnerProduct' bottom: 'y' top: 'b' param { name: 'w' }
        inner_product_param { num_output: 2 weight_filler { type: 'gaussian' } } }
layer { name: 'loss_a' type: 'SoftmaxWithLoss' bottom: 'a' bottom: 'label' top: 'loss_a'
        loss_weight: )",
                weight_a, R"( }
layer { name: 'loss_b' type: 'SoftmaxWithLoss' bottom: 'b' bottom: 'label' top: 'loss_b'
        loss_weight: )",
                weight_b, " }\n");
}

std::vector<float> shared_gradient(float weight_a, float weight_b) {
  auto ctx = Context::cpu(9);  // same seed: the same initial weights in every variant
  Net net(parse_net_config(shared_net(weight_a, weight_b)), {}, ctx, builtin_layers());
  fill_inputs(net, 10);
  net.zero_param_diffs(ctx);
  net.forward_backward(ctx);
  const auto w = net.layer(index_of(net, "ip_a")).params()[0]->diff();
  return {w.begin(), w.end()};
}

TEST(Net, SharedParameterUsesOneSlotAndSumsBothGradients) {
  auto ctx = Context::cpu(9);
  Net net(parse_net_config(shared_net(1, 0.5f)), {}, ctx, builtin_layers());
  const Layer& a = net.layer(index_of(net, "ip_a"));
  const Layer& b = net.layer(index_of(net, "ip_b"));
  EXPECT_EQ(a.params()[0], b.params()[0]);
  // Slots: w, ip_a's bias, ip_b's bias.
  ASSERT_EQ(net.learnable_params().size(), 3u);
  EXPECT_EQ(net.num_param_elements(), 8 + 2 + 2);
  EXPECT_EQ(a.params()[0]->data().data(),
            net.all_params().data().data() + net.learnable_params()[0].offset);

  const auto both = shared_gradient(1, 0.5f);
  const auto only_a = shared_gradient(1, 0);
  const auto only_b = shared_gradient(0, 0.5f);
  ASSERT_EQ(both.size(), 8u);
  for (std::size_t i = 0; i < both.size(); ++i) {
    EXPECT_NEAR(both[i], only_a[i] + only_b[i], 1e-6f) << i;
    EXPECT_NE(only_a[i], 0.0f);
    EXPECT_NE(only_b[i], 0.0f);
  }
  fill_inputs(net, 10);
  expect_net_gradients_match(net, ctx);
}

// The loss and every parameter gradient of mlp() with the loss layer's loss_weight set, from the
// same initial weights and inputs each time.
struct WeightedPass {
  float loss = 0;      // what forward_backward() reports
  float loss_top = 0;  // the loss layer's own output
  std::vector<float> gradients;
};

WeightedPass weighted_pass(float loss_weight) {
  std::string text = mlp();
  const std::string loss_top = "top: 'loss' }";
  text.replace(text.find(loss_top), loss_top.size(),
               concat("top: 'loss' loss_weight: ", loss_weight, " }"));
  auto ctx = Context::cpu(12);
  Net net(parse_net_config(text), {}, ctx, builtin_layers());
  fill_inputs(net, 13);
  net.zero_param_diffs(ctx);
  WeightedPass pass;
  pass.loss = net.forward_backward(ctx);
  pass.loss_top = net.tensor("loss")->data()[0];
  const auto diff = net.all_params().diff();
  pass.gradients.assign(diff.begin(), diff.end());
  return pass;
}

TEST(Net, LossWeightScalesTheReportedLossAndEveryGradient) {
  const WeightedPass unit = weighted_pass(1);
  ASSERT_GT(unit.loss, 0);
  ASSERT_TRUE(std::ranges::any_of(unit.gradients, [](float g) { return g != 0; }));
  for (const float weight : {0.5f, 3.0f}) {
    const WeightedPass weighted = weighted_pass(weight);
    // The layer's top is the unweighted loss, as in Caffe; the net's total carries the weight.
    EXPECT_FLOAT_EQ(weighted.loss_top, unit.loss_top) << "weight " << weight;
    EXPECT_NEAR(weighted.loss, weight * unit.loss, 1e-6f * weight * unit.loss)
        << "weight " << weight;
    ASSERT_EQ(weighted.gradients.size(), unit.gradients.size());
    for (size_t i = 0; i < unit.gradients.size(); ++i) {
      EXPECT_NEAR(weighted.gradients[i], weight * unit.gradients[i],
                  1e-6f + 1e-5f * std::abs(weight * unit.gradients[i]))
          << "weight " << weight << ", gradient " << i;
    }
  }
}

TEST(Net, PhaseIncludeAndExcludeRules) {
  const auto text = R"(name: 'phases'
layer { name: 'data' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
layer { name: 'train_relu' type: 'ReLU' bottom: 'x' top: 'a' include { phase: TRAIN } }
layer { name: 'test_softmax' type: 'Softmax' bottom: 'x' top: 'a' include { phase: TEST } }
layer { name: 'not_in_test' type: 'Softmax' bottom: 'a' top: 'b' exclude { phase: TEST } }
)";
  auto ctx = Context::cpu();
  NetOptions options;
  options.phase = proto::TRAIN;
  Net train(parse_net_config(text), options, ctx, builtin_layers());
  EXPECT_THAT(layer_names(train), ElementsAre("data", "train_relu", "not_in_test"));
  options.phase = proto::TEST;
  Net test(parse_net_config(text), options, ctx, builtin_layers());
  EXPECT_THAT(layer_names(test), ElementsAre("data", "test_softmax"));
}

TEST(Net, UnknownTypeNamesTheFileLineAndSuggestsAFix) {
  std::string text = mlp();
  text.replace(text.find("'InnerProduct'"), 14, "'InnerProdcut'");
  EXPECT_THAT(build_error(text, "mlp.prototxt"),
              AllOf(HasSubstr("mlp.prototxt:4"), HasSubstr("unknown layer type 'InnerProdcut'"),
                    HasSubstr("did you mean 'InnerProduct'")));
}

TEST(Net, MissingBottomAndDuplicateTopAreReported) {
  std::string missing = mlp();
  missing.replace(missing.find("bottom: 'hidden' top: 'logits'"), 16, "bottom: 'hiden'");
  EXPECT_THAT(build_error(missing), AllOf(HasSubstr("net.prototxt:8"), HasSubstr("layer 'ip2'"),
                                          HasSubstr("bottom 'hiden' is not produced")));
  std::string duplicate = mlp();
  duplicate.replace(duplicate.find("top: 'logits'"), 13, "top: 'x'");
  EXPECT_THAT(build_error(duplicate),
              AllOf(HasSubstr("layer 'ip2'"), HasSubstr("top 'x' is already produced")));
}

TEST(Net, ShapeMismatchNamesTheShapes) {
  std::string text = mlp();
  text.replace(text.find("shape { dim: 4 } }"), 18, "shape { dim: 3 } }");
  EXPECT_THAT(build_error(text), AllOf(HasSubstr("net.prototxt:10"), HasSubstr("layer 'loss'"),
                                       HasSubstr("(3)"), HasSubstr("(4 x 3)")));
}

}  // namespace
}  // namespace visage::testing
