#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;

std::unique_ptr<Layer> batch_norm(const std::string& settings = "") {
  return make_layer("name: 'bn' type: 'BatchNorm' batch_norm_param { " + settings + " }");
}

// One channel, x = (1, 2, 3, 4): mean 2.5, biased variance 1.25; the running sums get the mean
// and the unbiased variance 1.25 * 4 / 3, the normaliser 1; a second pass decays them by 0.999.
TEST(BatchNorm, TrainUsesBatchStatisticsAndAccumulatesRunningAverages) {
  auto ctx = Context::cpu();
  auto layer = batch_norm("eps: 0.001");
  TensorList bottom({{4, 1}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params().size(), 3u);
  layer->forward(ctx, bottom, top);
  const float inv_std = 1.0f / std::sqrt(1.25f + 0.001f);
  EXPECT_THAT(top[0].data(),
              ElementsAre(FloatNear(-1.5f * inv_std, 1e-6f), FloatNear(-0.5f * inv_std, 1e-6f),
                          FloatNear(0.5f * inv_std, 1e-6f), FloatNear(1.5f * inv_std, 1e-6f)));
  EXPECT_THAT(layer->params()[0]->data(), ElementsAre(FloatNear(2.5f, 1e-6f)));
  EXPECT_THAT(layer->params()[1]->data(), ElementsAre(FloatNear(1.25f * 4 / 3, 1e-6f)));
  EXPECT_THAT(layer->params()[2]->data(), ElementsAre(1.0f));
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(layer->params()[0]->data(), ElementsAre(FloatNear(2.5f * 1.999f, 1e-5f)));
  EXPECT_THAT(layer->params()[2]->data(), ElementsAre(FloatNear(1.999f, 1e-6f)));
}

// In TEST the running sums divided by the normaliser are used, and they are left alone.
TEST(BatchNorm, TestUsesGlobalStatistics) {
  auto ctx = Context::cpu();
  auto layer = batch_norm("eps: 0");
  layer->set_phase(proto::TEST);
  TensorList bottom({{2, 2, 1, 2}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6, 7, 8});
  try {
    layer->setup(ctx, bottom, top);
    FAIL() << "eps 0 accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'bn' (BatchNorm)"), HasSubstr("eps")));
  }
  layer = batch_norm();
  layer->set_phase(proto::TEST);
  layer->setup(ctx, bottom, top);
  set_values(*layer->params()[0], {2, 8});  // means 1 and 4 after dividing by 2
  set_values(*layer->params()[1], {8, 2});  // variances 4 and 1
  set_values(*layer->params()[2], {2});
  layer->forward(ctx, bottom, top);
  const float a = 1.0f / std::sqrt(4.0f + 1e-5f);
  const float b = 1.0f / std::sqrt(1.0f + 1e-5f);
  EXPECT_THAT(top[0].data(),
              ElementsAre(FloatNear(0, 1e-6f), FloatNear(a, 1e-6f), FloatNear(-b, 1e-6f),
                          FloatNear(0, 1e-6f), FloatNear(4 * a, 1e-6f), FloatNear(5 * a, 1e-6f),
                          FloatNear(3 * b, 1e-6f), FloatNear(4 * b, 1e-6f)));
  EXPECT_THAT(layer->params()[2]->data(), ElementsAre(2.0f));
  std::ranges::fill(top[0].mutable_diff(), 1.0f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(),
              ElementsAre(FloatNear(a, 1e-6f), FloatNear(a, 1e-6f), FloatNear(b, 1e-6f),
                          FloatNear(b, 1e-6f), FloatNear(a, 1e-6f), FloatNear(a, 1e-6f),
                          FloatNear(b, 1e-6f), FloatNear(b, 1e-6f)));
}

// The statistics are not learnable, so only the input gradient is checked: with batch statistics
// it is the full batch-norm gradient, coupling every element of a channel.
TEST(BatchNorm, TrainGradientsMatchFiniteDifferences) {
  for (const Shape& shape :
       {Shape{2, 3, 2, 3}, Shape{1, 2, 3, 1}, Shape{5, 3}, Shape{3, 1, 2, 2}}) {
    auto ctx = Context::cpu();
    auto layer = batch_norm();
    TensorList bottom({shape}), top(1);
    fill_gaussian(bottom[0], 70, 1.0f, 2.0f);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.step = 1e-3f, .check_params = false}))
        << to_string(shape);
  }
}

TEST(BatchNorm, GlobalStatisticsGradientsMatchFiniteDifferences) {
  auto ctx = Context::cpu();
  auto layer = batch_norm("use_global_stats: true");
  TensorList bottom({{2, 3, 2}}), top(1);
  fill_gaussian(bottom[0], 71);
  layer->setup(ctx, bottom, top);
  set_values(*layer->params()[0], {0.5f, -1, 2});
  set_values(*layer->params()[1], {1, 4, 0.25f});
  set_values(*layer->params()[2], {0.5f});
  EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.check_params = false}));
}

// The layer sums several channels side by side (layers/channel_groups.hpp), yet each channel's
// statistics and gradient must keep the bits of the plain per-channel loops below, whatever the
// grouping: 7 channels make a group of four and three lone ones. (Double sums of 75 floats seldom
// round, so this mostly checks that each channel gets its own sums; Scale's test, whose sums are
// float, checks their order.)
TEST(BatchNorm, EveryChannelKeepsTheBitsOfItsOwnSequentialSums) {
  const int64_t n = 3, c = 7, inner = 25, m = n * inner;
  auto ctx = Context::cpu();
  auto layer = batch_norm();
  TensorList bottom({{n, c, 5, 5}}), top(1);
  fill_gaussian(bottom[0], 72, 0.5f, 3.0f);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  Tensor top_gradient(top[0].shape());
  fill_gaussian(top_gradient, 73);
  std::ranges::copy(top_gradient.data(), top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);

  const auto x = bottom[0].data();
  const auto y = top[0].data();
  const auto dy = top[0].diff();
  const auto at = [&](int64_t image, int64_t channel, int64_t i) {
    return (image * c + channel) * inner + i;
  };
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0;
    for (int64_t image = 0; image < n; ++image)
      for (int64_t i = 0; i < inner; ++i) sum += x[at(image, ch, i)];
    const auto mean = static_cast<float>(sum / m);
    double squares = 0;
    for (int64_t image = 0; image < n; ++image) {
      for (int64_t i = 0; i < inner; ++i) {
        const double deviation = double{x[at(image, ch, i)]} - mean;
        squares += deviation * deviation;
      }
    }
    const auto variance = static_cast<float>(squares / m);
    EXPECT_EQ(layer->params()[0]->data()[ch], mean) << "channel " << ch;
    EXPECT_EQ(layer->params()[1]->data()[ch],
              static_cast<float>(m) / static_cast<float>(m - 1) * variance)
        << "channel " << ch;
    const float inv_std = 1.0f / std::sqrt(variance + 1e-5f);
    double sum_dy = 0, sum_dy_y = 0;
    for (int64_t image = 0; image < n; ++image) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t j = at(image, ch, i);
        EXPECT_EQ(y[j], (x[j] - mean) * inv_std) << "channel " << ch << ", element " << j;
        sum_dy += dy[j];
        sum_dy_y += double{dy[j]} * y[j];
      }
    }
    const auto mean_dy = static_cast<float>(sum_dy / m);
    const auto mean_dy_y = static_cast<float>(sum_dy_y / m);
    for (int64_t image = 0; image < n; ++image) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t j = at(image, ch, i);
        EXPECT_EQ(bottom[0].diff()[j], (dy[j] - mean_dy - y[j] * mean_dy_y) * inv_std)
            << "channel " << ch << ", element " << j;
      }
    }
  }
}

TEST(BatchNorm, InPlaceGivesTheSameResultsAsOutOfPlace) {
  auto ctx = Context::cpu();
  auto out_of_place = batch_norm();
  auto in_place = batch_norm();
  TensorList bottom({{3, 2, 2}}), top(1), data({{3, 2, 2}});
  fill_gaussian(bottom[0], 72);
  data[0].copy_data_from(bottom[0]);
  out_of_place->setup(ctx, bottom, top);
  in_place->setup(ctx, data, data);
  out_of_place->forward(ctx, bottom, top);
  in_place->forward(ctx, data, data);
  EXPECT_TRUE(std::ranges::equal(top[0].data(), data[0].data()));
  TensorList gradient({{3, 2, 2}});
  fill_gaussian(gradient[0], 73);
  std::ranges::copy(gradient[0].data(), top[0].mutable_diff().begin());
  std::ranges::copy(gradient[0].data(), data[0].mutable_diff().begin());
  out_of_place->backward(ctx, top, {true}, bottom);
  in_place->backward(ctx, data, {true}, data);
  for (std::size_t i = 0; i < bottom[0].diff().size(); ++i) {
    EXPECT_FLOAT_EQ(bottom[0].diff()[i], data[0].diff()[i]) << i;
  }
}

// The Net gives the statistics lr_mult 0 and decay_mult 0 even when the config asks for more, so
// no solver changes them.
TEST(BatchNorm, NetKeepsTheStatisticsAwayFromTheSolver) {
  auto ctx = Context::cpu();
  const auto config = parse_net_config(R"(
    name: 'bn_net'
    layer { name: 'in' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
    layer { name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'y'
            param { lr_mult: 1 decay_mult: 1 } }
  )");
  Net net(config, {}, ctx, builtin_layers());
  ASSERT_EQ(net.learnable_params().size(), 3u);
  for (const ParamSlot& slot : net.learnable_params()) {
    EXPECT_EQ(slot.lr_mult, 0.0f) << slot.layer << " param " << slot.index;
    EXPECT_EQ(slot.decay_mult, 0.0f) << slot.layer << " param " << slot.index;
  }
}

}  // namespace
}  // namespace visage::testing
