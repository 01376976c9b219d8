#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/fillers.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Layer> locally_connected(const std::string& settings) {
  return make_layer("name: 'lc' type: 'LocallyConnected' locally_connected_param { " + settings +
                    " }");
}

// A 3x3 image and a 2x2 kernel: 4 locations, location l's filter all (l + 1), bias 10 * l.
TEST(LocallyConnected, ForwardUsesEachLocationsOwnFilterAndBias) {
  auto ctx = Context::cpu();
  auto layer = locally_connected("num_output: 1 kernel_size: 2");
  TensorList bottom({{1, 1, 3, 3}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6, 7, 8, 9});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params()[0]->shape(), (Shape{4, 1, 4}));
  ASSERT_EQ(layer->params()[1]->shape(), (Shape{4, 1}));
  set_values(*layer->params()[0], {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4});
  set_values(*layer->params()[1], {0, 10, 20, 30});
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 1, 2, 2}));
  // Window sums 12, 16, 24, 28.
  EXPECT_THAT(top[0].data(), ElementsAre(12, 2 * 16 + 10, 3 * 24 + 20, 4 * 28 + 30));
}

// With the same filter at every location the layer is a convolution: forward, the bottom
// gradient, and the weight gradient summed over locations must match Convolution's.
void expect_tied_weights_equal_convolution(const std::string& settings, const Shape& input,
                                           int64_t outputs) {
  SCOPED_TRACE(settings);
  auto ctx = Context::cpu(3);
  auto lc = locally_connected(settings);
  auto conv = make_layer("name: 'conv' type: 'Convolution' convolution_param { " + settings +
                         " weight_filler { type: 'gaussian' std: 0.1 } "
                         "bias_filler { type: 'gaussian' std: 0.1 } }");
  TensorList lc_bottom({input}), conv_bottom({input}), lc_top(1), conv_top(1);
  fill_gaussian(lc_bottom[0], 7);
  conv_bottom[0].copy_data_from(lc_bottom[0]);
  lc->setup(ctx, lc_bottom, lc_top);
  conv->setup(ctx, conv_bottom, conv_top);
  const int64_t locations = conv_top[0].count(2);
  const int64_t filter = conv->params()[0]->count();
  ASSERT_EQ(lc->params()[0]->shape(), (Shape{locations, outputs, filter / outputs}));
  auto lc_w = lc->params()[0]->mutable_data();
  auto lc_b = lc->params()[1]->mutable_data();
  for (int64_t l = 0; l < locations; ++l) {
    std::ranges::copy(conv->params()[0]->data(), lc_w.begin() + l * filter);
    std::ranges::copy(conv->params()[1]->data(), lc_b.begin() + l * outputs);
  }
  lc->forward(ctx, lc_bottom, lc_top);
  conv->forward(ctx, conv_bottom, conv_top);
  ASSERT_EQ(lc_top[0].shape(), conv_top[0].shape());
  for (int64_t i = 0; i < lc_top[0].count(); ++i) {
    ASSERT_NEAR(lc_top[0].data()[i], conv_top[0].data()[i], 1e-4f) << "top " << i;
  }

  fill_gaussian(lc_top[0], 8);
  std::ranges::copy(lc_top[0].data(), lc_top[0].mutable_diff().begin());
  std::ranges::copy(lc_top[0].data(), conv_top[0].mutable_diff().begin());
  for (Layer* layer : {lc.get(), conv.get()}) {
    for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
  }
  lc->backward(ctx, lc_top, {true}, lc_bottom);
  conv->backward(ctx, conv_top, {true}, conv_bottom);
  for (int64_t i = 0; i < lc_bottom[0].count(); ++i) {
    ASSERT_NEAR(lc_bottom[0].diff()[i], conv_bottom[0].diff()[i], 1e-4f) << "bottom diff " << i;
  }
  for (int64_t j = 0; j < filter; ++j) {
    double sum = 0;
    for (int64_t l = 0; l < locations; ++l) sum += lc->params()[0]->diff()[l * filter + j];
    ASSERT_NEAR(sum, conv->params()[0]->diff()[j], 1e-3 * (1 + std::abs(sum))) << "weight " << j;
  }
  for (int64_t o = 0; o < outputs; ++o) {
    double sum = 0;
    for (int64_t l = 0; l < locations; ++l) sum += lc->params()[1]->diff()[l * outputs + o];
    ASSERT_NEAR(sum, conv->params()[1]->diff()[o], 1e-3 * (1 + std::abs(sum))) << "bias " << o;
  }
}

// The batch and patch sizes make the CPU path split the locations into several chunks
// (48 * 24 * 25 = 28800 column floats per location in the first case).
TEST(LocallyConnected, WithTiedWeightsEqualsConvolution) {
  expect_tied_weights_equal_convolution("num_output: 5 kernel_size: 5 stride: 2 pad: 1",
                                        {48, 24, 21, 20}, 5);
}

// Rectangular windows read as Convolution reads them (layers/window_geometry.hpp).
TEST(LocallyConnected, WithTiedWeightsEqualsConvolutionForRectangularWindows) {
  expect_tied_weights_equal_convolution(
      "num_output: 4 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 2",
      {6, 3, 11, 9}, 4);
}

TEST(LocallyConnected, DeepFaceL4ShapesParamsAndMacs) {
  auto ctx = Context::cpu();
  auto layer = locally_connected("num_output: 16 kernel_size: 9");
  TensorList bottom({{2, 16, 63, 63}}), top(1);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{2, 16, 55, 55}));
  EXPECT_EQ(layer->params()[0]->shape(), (Shape{55 * 55, 16, 16 * 81}));
  EXPECT_EQ(layer->params()[1]->shape(), (Shape{55 * 55, 16}));
  EXPECT_EQ(layer->forward_macs(bottom, top), 2LL * 55 * 55 * 16 * 16 * 81);
}

TEST(LocallyConnected, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"num_output: 3 kernel_size: 3", {2, 2, 5, 4}},
      {"num_output: 2 kernel_size: 3 stride: 2 pad: 1", {1, 3, 6, 5}},
      {"num_output: 1 kernel_size: 2 stride: 2 bias_term: false", {3, 2, 5, 5}},
      {"num_output: 2 kernel_size: 1", {1, 2, 2, 3}},
      {"num_output: 2 kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1", {2, 2, 5, 6}},
  };
  for (const auto& c : cases) {
    auto ctx = Context::cpu(5);
    auto layer = locally_connected(c.settings + kGaussianFillers);
    TensorList bottom({c.input}), top(1);
    fill_gaussian(bottom[0], 11);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << c.settings;
  }
}

void expect_locally_connected_error(const std::string& settings, const Shape& input,
                                    const std::vector<std::string>& fragments) {
  auto ctx = Context::cpu();
  TensorList bottom({input}), top(1);
  try {
    locally_connected(settings)->setup(ctx, bottom, top);
    FAIL() << "accepted: " << settings;
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("layer 'lc' (LocallyConnected)")) << settings;
    for (const auto& f : fragments) EXPECT_THAT(e.what(), HasSubstr(f)) << settings;
  }
}

TEST(LocallyConnected, RejectsBadSettingsWithClearMessages) {
  expect_locally_connected_error("num_output: 0 kernel_size: 3", {1, 1, 5, 5}, {"num_output"});
  expect_locally_connected_error("num_output: 2", {1, 1, 5, 5}, {"kernel_size"});
  expect_locally_connected_error("num_output: 2 kernel_size: 3 stride: 0", {1, 1, 5, 5},
                                 {"stride"});
  expect_locally_connected_error("num_output: 2 kernel_size: 6", {1, 1, 5, 5},
                                 {"kernel 6x6", "padded input 5x5", "(1 x 1 x 5 x 5)"});
  expect_locally_connected_error("num_output: 2 kernel_size: 2", {5, 5}, {"4-D"});
  expect_locally_connected_error("num_output: 2 kernel_size: 3 kernel_h: 3 kernel_w: 3",
                                 {1, 1, 5, 5},
                                 {"give either kernel_size or kernel_h and kernel_w"});
  expect_locally_connected_error("num_output: 2 kernel_h: 3", {1, 1, 5, 5},
                                 {"give both kernel_h and kernel_w"});
}

TEST(LocallyConnected, AcceptsANewBatchSizeButNotANewImageSize) {
  auto ctx = Context::cpu();
  auto layer = locally_connected("num_output: 2 kernel_size: 3");
  TensorList bottom({{1, 2, 5, 5}}), top(1);
  layer->setup(ctx, bottom, top);
  bottom[0].reshape({4, 2, 5, 5});
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{4, 2, 3, 3}));
  bottom[0].reshape({4, 2, 6, 5});
  try {
    layer->forward(ctx, bottom, top);
    FAIL() << "a new image size accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("(4 x 2 x 6 x 5)"));
  }
}

}  // namespace
}  // namespace visage::testing
