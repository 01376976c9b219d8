#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/simd_level.hpp"
#include "layers/direct_convolution.hpp"
#include "layers/winograd.hpp"
#include "tests/support/blas_threads.hpp"
#include "tests/support/fillers.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::unique_ptr<Layer> convolution(const std::string& settings) {
  return make_layer("name: 'conv' type: 'Convolution' convolution_param { " + settings + " }");
}

// One 3x3 image, a 2x2 kernel of ones plus a second filter [[1 0] [0 -1]], bias (0.5, 0).
TEST(Convolution, ForwardMatchesHandComputedValues) {
  auto ctx = Context::cpu();
  auto layer = convolution("num_output: 2 kernel_size: 2");
  TensorList bottom({{1, 1, 3, 3}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6, 7, 8, 9});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params()[0]->shape(), (Shape{2, 1, 2, 2}));
  set_values(*layer->params()[0], {1, 1, 1, 1, 1, 0, 0, -1});
  set_values(*layer->params()[1], {0.5f, 0});
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 2, 2, 2}));
  EXPECT_THAT(top[0].data(), ElementsAre(12.5f, 16.5f, 24.5f, 28.5f, -4, -4, -4, -4));
}

// Padding 1 and stride 2 on a 3x3 image with a 3x3 kernel of ones: each output sums the
// in-image part of its window.
TEST(Convolution, PaddingAndStrideOnHandComputedValues) {
  auto ctx = Context::cpu();
  auto layer = convolution(
      "num_output: 1 kernel_size: 3 pad: 1 stride: 2 bias_term: false "
      "weight_filler { type: 'constant' value: 1 }");
  TensorList bottom({{1, 1, 3, 3}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6, 7, 8, 9});
  layer->setup(ctx, bottom, top);
  ASSERT_EQ(layer->params().size(), 1u);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_THAT(top[0].data(), ElementsAre(12, 16, 24, 28));
}

// Dilation 2 turns a 2x2 kernel into a 3x3 window reading the corners; group 2 keeps the
// channels apart (filter 0 sees channel 0 only, filter 1 channel 1 only).
TEST(Convolution, DilationAndGroupsOnHandComputedValues) {
  auto ctx = Context::cpu();
  auto layer = convolution(
      "num_output: 2 kernel_size: 2 dilation: 2 group: 2 bias_term: false "
      "weight_filler { type: 'constant' value: 1 }");
  TensorList bottom({{1, 2, 3, 3}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90});
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(layer->params()[0]->shape(), (Shape{2, 1, 2, 2}));
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 2, 1, 1}));
  EXPECT_THAT(top[0].data(), ElementsAre(1 + 3 + 7 + 9, 10 + 30 + 70 + 90));
}

TEST(Convolution, ShapesAndMacs) {
  auto ctx = Context::cpu();
  // FaceNet NN1 conv1: 220x220x3 -> 110x110x64 with 7x7/2 pad 3: 110*110*64*7*7*3 = 114M MACs.
  auto layer = convolution("num_output: 64 kernel_size: 7 stride: 2 pad: 3");
  TensorList bottom({{1, 3, 220, 220}}), top(1);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 64, 110, 110}));
  EXPECT_EQ(layer->forward_macs(bottom, top), 110LL * 110 * 64 * 7 * 7 * 3);

  auto rect = convolution(
      "num_output: 4 kernel_h: 3 kernel_w: 1 stride_h: 2 stride_w: 1 "
      "pad_h: 1 pad_w: 0 group: 2");
  TensorList small({{2, 6, 9, 5}}), small_top(1);
  rect->setup(ctx, small, small_top);
  EXPECT_EQ(small_top[0].shape(), (Shape{2, 4, 5, 5}));
  EXPECT_EQ(rect->params()[0]->shape(), (Shape{4, 3, 3, 1}));
  EXPECT_EQ(rect->forward_macs(small, small_top), 2 * 5 * 5 * 4 * 3 * 3 * 1);
}

TEST(Convolution, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"num_output: 3 kernel_size: 3", {2, 2, 5, 5}},
      {"num_output: 2 kernel_size: 3 stride: 2 pad: 1", {1, 3, 6, 5}},
      {"num_output: 2 kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 0",
       {2, 2, 4, 7}},
      {"num_output: 4 kernel_size: 2 group: 2 bias_term: false", {1, 4, 4, 3}},
      {"num_output: 2 kernel_size: 2 dilation: 2 pad: 1", {1, 2, 5, 4}},
      {"num_output: 3 kernel_size: 1", {2, 4, 3, 2}},
      {"num_output: 2 kernel_size: 1 stride: 2", {1, 3, 5, 5}},
      // Batches that the CPU passes put into one GEMM (several images side by side).
      {"num_output: 3 kernel_size: 3 pad: 1", {5, 2, 4, 3}},
      {"num_output: 4 kernel_size: 1 group: 2", {4, 4, 2, 3}},
      // 3x3 stride 1, at least 11 wide: Winograd's F(2x2, 3x3) under `fastest` (F(4x4, 3x3)
      // from 21 wide; 5x5: F(2x2, 5x5)), with a last tile partly outside.
      {"num_output: 2 kernel_size: 3 pad: 1", {2, 3, 5, 13}},
      {"num_output: 3 kernel_size: 3", {1, 2, 6, 13}},
      {"num_output: 2 kernel_size: 3 pad: 1", {1, 2, 6, 22}},
      {"num_output: 2 kernel_size: 5 pad: 2", {1, 2, 5, 13}},
      // 7x7 with few outputs, 16 wide: the direct kernel under `fastest` (AVX2 or AVX-512).
      {"num_output: 3 kernel_size: 7 pad: 3", {2, 2, 5, 16}},
      {"num_output: 2 kernel_size: 7", {1, 2, 8, 22}},
      {"num_output: 3 kernel_h: 7 kernel_w: 8 pad_h: 1 pad_w: 2", {2, 2, 9, 22}},  // 5 x 19
  };
  for (const auto algorithms :
       {ConvolutionAlgorithms::reproducible, ConvolutionAlgorithms::fastest}) {
    for (const auto& c : cases) {
      auto ctx = Context::cpu(5);
      ctx.set_convolution_algorithms(algorithms);
      auto layer = convolution(c.settings + kGaussianFillers);
      TensorList bottom({c.input}), top(1);
      fill_gaussian(bottom[0], 11);
      layer->setup(ctx, bottom, top);
      EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top))
          << c.settings << (algorithms == ConvolutionAlgorithms::fastest ? ", fastest" : "");
    }
  }
}

TEST(Convolution, AccumulatesParamGradients) {
  auto ctx = Context::cpu();
  auto layer = convolution(std::string("num_output: 2 kernel_size: 3 pad: 1") + kGaussianFillers);
  TensorList bottom({{2, 2, 4, 4}}), top(1);
  fill_gaussian(bottom[0], 3);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  fill_gaussian(top[0], 4);
  std::ranges::copy(top[0].data(), top[0].mutable_diff().begin());
  for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
  layer->backward(ctx, top, {true}, bottom);
  const std::vector<float> once(layer->params()[0]->diff().begin(),
                                layer->params()[0]->diff().end());
  const std::vector<float> bias_once(layer->params()[1]->diff().begin(),
                                     layer->params()[1]->diff().end());
  layer->backward(ctx, top, {true}, bottom);
  for (std::size_t i = 0; i < once.size(); ++i) {
    EXPECT_FLOAT_EQ(layer->params()[0]->diff()[i], 2 * once[i]);
  }
  for (std::size_t i = 0; i < bias_once.size(); ++i) {
    EXPECT_FLOAT_EQ(layer->params()[1]->diff()[i], 2 * bias_once[i]);
  }
}

std::vector<float> slice(std::span<const float> values, int64_t index, int64_t size) {
  return {values.begin() + index * size, values.begin() + (index + 1) * size};
}

// The CPU passes put chunks of images side by side into one GEMM, split the batch among the BLAS
// threads and treat one-image chunks (and 1x1 convolutions of one image) without copies. A batch
// must give what its images give one at a time: outputs and bottom gradients per image, and the
// sum of the per-image parameter gradients. The shapes cover chunks of several images with a
// remainder, 1x1 chunks (gathered, not im2col'ed), and outputs too large to share a GEMM.
TEST(Convolution, BatchesGiveWhatTheirImagesGiveOneAtATime) {
  struct Case {
    std::string settings;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"num_output: 4 kernel_size: 3 pad: 1", {7, 3, 5, 5}},
      {"num_output: 5 kernel_size: 1", {6, 4, 3, 3}},
      {"num_output: 4 kernel_size: 3 stride: 2 group: 2", {5, 4, 32, 20}},
      {"num_output: 2 kernel_size: 3 pad: 1", {3, 1, 24, 24}},
      {"num_output: 3 kernel_size: 1", {5, 2, 30, 20}},
      {"num_output: 3 kernel_h: 3 kernel_w: 2 dilation: 2 pad_h: 2 pad_w: 1 stride_h: 1 stride_w: "
       "2",
       {4, 2, 9, 8}},
  };
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    for (const auto& c : cases) {
      const std::string where = c.settings + ", " + std::to_string(threads) + " BLAS threads";
      auto ctx = Context::cpu(5);
      auto batched = convolution(c.settings + kGaussianFillers);
      TensorList bottom({c.input}), top(1);
      fill_gaussian(bottom[0], 11);
      batched->setup(ctx, bottom, top);
      batched->forward(ctx, bottom, top);
      TensorList top_diff({top[0].shape()});
      fill_gaussian(top_diff[0], 12);
      std::ranges::copy(top_diff[0].data(), top[0].mutable_diff().begin());
      for (auto& p : batched->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
      batched->backward(ctx, top, {true}, bottom);

      const int64_t images = c.input[0];
      const int64_t in_size = bottom[0].count() / images;
      const int64_t out_size = top[0].count() / images;
      auto single = convolution(c.settings + kGaussianFillers);
      Shape one = c.input;
      one[0] = 1;
      TensorList image({one}), image_top(1);
      single->setup(ctx, image, image_top);
      std::vector<std::vector<float>> param_sums;
      for (std::size_t p = 0; p < single->params().size(); ++p) {
        std::ranges::copy(batched->params()[p]->data(),
                          single->params()[p]->mutable_data().begin());
        std::ranges::fill(single->params()[p]->mutable_diff(), 0.0f);
      }
      for (int64_t n = 0; n < images; ++n) {
        set_values(image[0], slice(bottom[0].data(), n, in_size));
        single->forward(ctx, image, image_top);
        EXPECT_THAT(slice(top[0].data(), n, out_size),
                    Pointwise(FloatNear(1e-4f), std::vector<float>(image_top[0].data().begin(),
                                                                   image_top[0].data().end())))
            << where << ", image " << n;
        const auto dy = slice(top[0].diff(), n, out_size);
        std::ranges::copy(dy, image_top[0].mutable_diff().begin());
        single->backward(ctx, image_top, {true}, image);  // parameter gradients accumulate
        EXPECT_THAT(slice(bottom[0].diff(), n, in_size),
                    Pointwise(FloatNear(1e-4f),
                              std::vector<float>(image[0].diff().begin(), image[0].diff().end())))
            << where << ", image " << n;
      }
      for (std::size_t p = 0; p < single->params().size(); ++p) {
        EXPECT_THAT(
            batched->params()[p]->diff(),
            Pointwise(FloatNear(1e-3f), std::vector<float>(single->params()[p]->diff().begin(),
                                                           single->params()[p]->diff().end())))
            << where << ", parameter " << p;
      }
    }
  }
}

// The threads take slices of the batch as they come free, and each slice's parameter gradient is
// summed in a fixed order, so a backward pass gives the same bits on every run, through im2col
// and through Winograd.
TEST(Convolution, ParameterGradientsAreTheSameBitsOnEveryRun) {
  BlasThreads blas(3);
  for (const auto algorithms :
       {ConvolutionAlgorithms::reproducible, ConvolutionAlgorithms::fastest}) {
    auto ctx = Context::cpu(5);
    ctx.set_convolution_algorithms(algorithms);
    auto layer = convolution(std::string("num_output: 4 kernel_size: 3 pad: 1") + kGaussianFillers);
    TensorList bottom({{12, 3, 24, 24}}), top(1);
    fill_gaussian(bottom[0], 11);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    TensorList top_diff({top[0].shape()});
    fill_gaussian(top_diff[0], 12);
    std::ranges::copy(top_diff[0].data(), top[0].mutable_diff().begin());
    std::vector<std::vector<float>> first;
    for (int run = 0; run < 10; ++run) {
      for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
      layer->backward(ctx, top, {true}, bottom);
      for (std::size_t p = 0; p < layer->params().size(); ++p) {
        const auto diff = layer->params()[p]->diff();
        if (run == 0) {
          first.emplace_back(diff.begin(), diff.end());
        } else {
          ASSERT_TRUE(std::ranges::equal(diff, first[p])) << "run " << run << ", parameter " << p;
        }
      }
    }
  }
}

// Plain sums in double over every tap: the reference for the layer's three results.
struct DirectConvolution {
  int64_t channels, height, width, outputs, kernel, stride, pad, dilation, group;
  int64_t out_h() const { return (height + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1; }
  int64_t out_w() const { return (width + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1; }

  // Calls visit(o, c, oy, ox, ky, kx, input index) for every tap that reads inside the image.
  template <typename Visit>
  void taps(Visit visit) const {
    const int64_t per_group_in = channels / group;
    const int64_t per_group_out = outputs / group;
    for (int64_t o = 0; o < outputs; ++o) {
      for (int64_t ci = 0; ci < per_group_in; ++ci) {
        const int64_t c = o / per_group_out * per_group_in + ci;
        for (int64_t oy = 0; oy < out_h(); ++oy) {
          for (int64_t ox = 0; ox < out_w(); ++ox) {
            for (int64_t ky = 0; ky < kernel; ++ky) {
              for (int64_t kx = 0; kx < kernel; ++kx) {
                const int64_t y = oy * stride - pad + ky * dilation;
                const int64_t x = ox * stride - pad + kx * dilation;
                if (y < 0 || y >= height || x < 0 || x >= width) continue;
                visit(o, ci, oy, ox, ky, kx, (c * height + y) * width + x);
              }
            }
          }
        }
      }
    }
  }
};

// A result and its reference: the sum in double, and the sum of its terms' magnitudes, which
// bounds any float evaluation's rounding error (a wrong or missing term shows as an error of the
// order of a term, far beyond the bound).
struct Reference {
  std::vector<double> sum, magnitude;
  explicit Reference(size_t n) : sum(n), magnitude(n) {}
  void add(size_t i, double term) {
    sum[i] += term;
    magnitude[i] += std::abs(term);
  }
};

// Within 1e-5 of the terms' magnitude, about 80 float roundings: direct sums stay well inside,
// and so do Winograd's (F(4x4) came to 2.7e-6 here).
void expect_near_all(std::span<const float> actual, const Reference& expected,
                     const std::string& what) {
  ASSERT_EQ(actual.size(), expected.sum.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < actual.size() && reported < 5; ++i) {
    const double error = std::abs(actual[i] - expected.sum[i]);
    if (error > 1e-5 * expected.magnitude[i] + 1e-7) {
      ADD_FAILURE() << what << "[" << i << "] = " << actual[i] << ", expected " << expected.sum[i]
                    << " (terms of magnitude " << expected.magnitude[i] << ")";
      ++reported;
    }
  }
}

// Runs `images` random images through the layer d describes, forward and backward, and compares
// the output and all three gradients with the direct sums.
void expect_direct_convolution(const DirectConvolution& d, int64_t images, const std::string& where,
                               ConvolutionAlgorithms algorithms,
                               cpu::SimdLevel level = cpu::simd_level()) {
  auto ctx = Context::cpu(5);
  ctx.set_convolution_algorithms(algorithms);
  ctx.set_simd_level(level);
  auto layer = convolution(
      "num_output: " + std::to_string(d.outputs) + " kernel_size: " + std::to_string(d.kernel) +
      " stride: " + std::to_string(d.stride) + " pad: " + std::to_string(d.pad) + " dilation: " +
      std::to_string(d.dilation) + " group: " + std::to_string(d.group) + kGaussianFillers);
  TensorList bottom({{images, d.channels, d.height, d.width}}), top(1);
  fill_gaussian(bottom[0], 21);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  TensorList top_diff({top[0].shape()});
  fill_gaussian(top_diff[0], 22);
  std::ranges::copy(top_diff[0].data(), top[0].mutable_diff().begin());
  // Parameter gradients accumulate (iter_size, shared weights): the sums must add to these.
  constexpr float kEarlierGradient = 0.25f;
  for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), kEarlierGradient);
  std::ranges::fill(bottom[0].mutable_diff(), 123.0f);  // to be overwritten, not added to
  layer->backward(ctx, top, {true}, bottom);

  const auto w = layer->params()[0]->data();
  const auto b = layer->params()[1]->data();
  const int64_t in_size = d.channels * d.height * d.width;
  const int64_t out_size = d.outputs * d.out_h() * d.out_w();
  const int64_t patch = d.channels / d.group * d.kernel * d.kernel;
  Reference out(images * out_size), in_diff(images * in_size), w_diff(w.size()), b_diff(b.size());
  for (size_t i = 0; i < w.size(); ++i) w_diff.add(i, kEarlierGradient);
  for (size_t o = 0; o < b.size(); ++o) b_diff.add(o, kEarlierGradient);
  for (int64_t n = 0; n < images; ++n) {
    const float* x = bottom[0].data().data() + n * in_size;
    const float* dy = top_diff[0].data().data() + n * out_size;
    d.taps([&](int64_t o, int64_t ci, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t at) {
      const int64_t tap = o * patch + (ci * d.kernel + ky) * d.kernel + kx;
      const int64_t pixel = (o * d.out_h() + oy) * d.out_w() + ox;
      out.add(n * out_size + pixel, double{w[tap]} * x[at]);
      w_diff.add(tap, double{dy[pixel]} * x[at]);
      in_diff.add(n * in_size + at, double{dy[pixel]} * w[tap]);
    });
    for (int64_t o = 0; o < d.outputs; ++o) {
      for (int64_t p = 0; p < d.out_h() * d.out_w(); ++p) {
        out.add(n * out_size + o * d.out_h() * d.out_w() + p, b[o]);
        b_diff.add(o, dy[o * d.out_h() * d.out_w() + p]);
      }
    }
  }
  expect_near_all(top[0].data(), out, where + ": output");
  expect_near_all(bottom[0].diff(), in_diff, where + ": bottom gradient");
  expect_near_all(layer->params()[0]->diff(), w_diff, where + ": weight gradient");
  expect_near_all(layer->params()[1]->diff(), b_diff, where + ": bias gradient");
}

std::string describe(const DirectConvolution& d) {
  return std::to_string(d.channels) + "x" + std::to_string(d.height) + "x" +
         std::to_string(d.width) + " -> " + std::to_string(d.outputs) + ", kernel " +
         std::to_string(d.kernel) + " stride " + std::to_string(d.stride) + " pad " +
         std::to_string(d.pad);
}

WindowGeometry geometry(const DirectConvolution& d) {
  WindowGeometry g;
  g.channels = d.channels;
  g.height = d.height;
  g.width = d.width;
  g.kernel_h = g.kernel_w = d.kernel;
  g.stride_h = g.stride_w = d.stride;
  g.pad_h = g.pad_w = d.pad;
  g.dilation_h = g.dilation_w = d.dilation;
  return g;
}

// Images whose column matrix passes 4 MB go through im2col and the GEMMs a band of output rows
// at a time (the last band shorter here), the weight gradient summed transposed; outputs and all
// three gradients must still be the convolution's, image by image, on one and two BLAS threads,
// with groups, stride and dilation, whether the band's height comes from its 1 MB target or from
// its floor of 256 output pixels.
TEST(Convolution, LargeImagesGoThroughInBandsAndGiveTheSameConvolution) {
  const std::vector<DirectConvolution> cases = {
      // channels, height, width, outputs, kernel, stride, pad, dilation, group
      {16, 56, 56, 8, 5, 1, 2, 1, 2},
      {8, 130, 130, 6, 7, 2, 3, 1, 1},
      {32, 64, 64, 4, 3, 1, 2, 2, 1},
      {32, 38, 38, 8, 9, 1, 0, 1, 2},   // 30 wide: 3 rows by the target, 9 by the floor
      {256, 16, 16, 4, 9, 1, 0, 1, 1},  // 8 x 8 outputs: the floor (32 rows) is the whole image
  };
  for (const int threads : {1, 2}) {
    BlasThreads blas(threads);
    for (const auto& d : cases) {
      const std::string where = describe(d) + ", " + std::to_string(threads) + " BLAS threads";
      ASSERT_GT(d.channels * d.kernel * d.kernel * d.out_h() * d.out_w(), int64_t{1} << 20)
          << where << ": not large enough to go in bands";
      ASSERT_FALSE(cpu::winograd_tile(geometry(d), d.group) != 0) << where;
      expect_direct_convolution(d, 2, where, ConvolutionAlgorithms::reproducible);
    }
  }
}

// 3x3 stride-1 windows go through Winograd's F(2x2, 3x3), or F(4x4, 3x3) from 21 outputs wide,
// and 5x5 ones through F(2x2, 5x5): their transforms differ from the direct sums only by rounding,
// for every padding, for outputs whose height or width is not a multiple of the tile (a last tile
// partly outside), for several images in one block, and for large images in bands of tile rows.
// Only `--conv-algorithms fastest` takes this route.
TEST(Convolution, WinogradUnderFastestGivesTheDirectConvolution) {
  struct Case {
    DirectConvolution d;
    int64_t images;
  };
  const std::vector<Case> cases = {
      // channels, height, width, outputs, kernel, stride, pad, dilation, group; images
      // F(2x2, 3x3)
      {{3, 12, 11, 5, 3, 1, 1, 1, 1}, 3},  // odd width
      {{4, 13, 16, 6, 3, 1, 0, 1, 1}, 5},  // no padding, odd height
      {{2, 15, 14, 3, 3, 1, 2, 1, 1}, 2},  // pad 2: the outer ring of outputs reads 1 pixel row
      {{8, 12, 12, 4, 3, 1, 1, 1, 1}, 7},  // several images to a block
      // F(4x4, 3x3)
      {{3, 23, 22, 5, 3, 1, 1, 1, 1}, 3},    // 23 x 22: last tiles 3 rows high, 2 columns wide
      {{4, 25, 23, 6, 3, 1, 0, 1, 1}, 2},    // no padding: 23 x 21, last tiles 3 x 1
      {{2, 21, 21, 3, 3, 1, 2, 1, 1}, 2},    // pad 2
      {{8, 24, 24, 4, 3, 1, 1, 1, 1}, 7},    // several images to a block
      {{32, 57, 56, 16, 3, 1, 1, 1, 1}, 2},  // 15 x 14 tiles: bands of tile rows
      // F(2x2, 5x5)
      {{3, 13, 12, 5, 5, 1, 2, 1, 1}, 3},    // 13 x 12: last tiles 1 row high
      {{4, 17, 16, 6, 5, 1, 0, 1, 1}, 5},    // no padding: 13 x 12
      {{2, 12, 11, 3, 5, 1, 3, 1, 1}, 2},    // pad 3: 14 x 13, the outer ring reads 1 pixel row
      {{32, 58, 56, 16, 5, 1, 2, 1, 1}, 2},  // 29 x 28 tiles: bands of tile rows
  };
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    for (const auto& [d, images] : cases) {
      const std::string where = describe(d) + ", " + std::to_string(images) + " images, " +
                                std::to_string(threads) + " BLAS threads";
      ASSERT_EQ(cpu::winograd_tile(geometry(d), d.group), d.kernel == 3 && d.out_w() >= 21 ? 4 : 2)
          << where;
      expect_direct_convolution(d, images, where, ConvolutionAlgorithms::fastest);
    }
  }
  // `reproducible` keeps im2col's direct sums: the same convolution, other rounding.
  const DirectConvolution d{8, 14, 14, 6, 3, 1, 1, 1, 1};
  expect_direct_convolution(d, 3, "reproducible", ConvolutionAlgorithms::reproducible);
  std::vector<std::vector<float>> outputs;
  for (const auto algorithms :
       {ConvolutionAlgorithms::reproducible, ConvolutionAlgorithms::fastest}) {
    auto ctx = Context::cpu(5);
    ctx.set_convolution_algorithms(algorithms);
    auto layer = convolution(std::string("num_output: 6 kernel_size: 3 pad: 1") + kGaussianFillers);
    TensorList bottom({{3, 8, 14, 14}}), top(1);
    fill_gaussian(bottom[0], 21);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    outputs.emplace_back(top[0].data().begin(), top[0].data().end());
  }
  EXPECT_NE(outputs[0], outputs[1]) << "reproducible and fastest gave the same bits";
  // The tile: 4x4 from 21 outputs wide, 2x2 from 11 (5x5 kernels: 2x2 from 11); not Winograd for
  // a stride, a dilation, groups, other kernels, or outputs under 11 wide.
  EXPECT_EQ(cpu::winograd_tile(geometry({4, 24, 21, 4, 3, 1, 1, 1, 1}), 1), 4);
  EXPECT_EQ(cpu::winograd_tile(geometry({4, 24, 20, 4, 3, 1, 1, 1, 1}), 1), 2);
  EXPECT_EQ(cpu::winograd_tile(geometry({4, 24, 11, 4, 3, 1, 1, 1, 1}), 1), 2);
  EXPECT_EQ(cpu::winograd_tile(geometry({4, 24, 24, 4, 5, 1, 2, 1, 1}), 1), 2);
  EXPECT_EQ(cpu::winograd_tile(geometry({4, 24, 10, 4, 5, 1, 2, 1, 1}), 1), 0);
  EXPECT_EQ(cpu::winograd_tile(geometry({4, 24, 24, 4, 7, 1, 3, 1, 1}), 1), 0);
  EXPECT_FALSE(cpu::winograd_tile(geometry({4, 24, 24, 4, 3, 2, 1, 1, 1}), 1) != 0);
  EXPECT_FALSE(cpu::winograd_tile(geometry({4, 24, 24, 4, 3, 1, 2, 2, 1}), 1) != 0);
  EXPECT_FALSE(cpu::winograd_tile(geometry({4, 24, 24, 4, 3, 1, 1, 1, 2}), 2) != 0);
  EXPECT_FALSE(cpu::winograd_tile(geometry({4, 24, 10, 4, 3, 1, 1, 1, 1}), 1) != 0);
}

// Under `fastest`, 1x1 stride-1 layers of at least 128 output pixels multiply each image where
// it lies instead of in chunks: the same convolution, gradients summed image by image.
TEST(Convolution, OneByOneUnderFastestGivesTheDirectConvolution) {
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    const DirectConvolution d{8, 12, 12, 6, 1, 1, 0, 1, 1};
    expect_direct_convolution(d, 5, describe(d) + ", " + std::to_string(threads) + " BLAS threads",
                              ConvolutionAlgorithms::fastest);
  }
}

// Under `fastest`, stride-1 layers of at most 32 outputs, at least 16 wide, with kernels of 7x7 and
// up run through the direct kernel (layers/direct_convolution.hpp), on processors with
// AVX2 or AVX-512: forward, the weight gradient and the input's gradient, with padding, outputs
// that fill no whole vector or block of output channels, one image or several, on any number of
// threads. Its sums are fused multiply-adds in a fixed order: the same bits on every run.
TEST(Convolution, DirectKernelUnderFastestGivesTheDirectConvolution) {
  if (cpu::simd_level() == cpu::SimdLevel::baseline) {
    GTEST_SKIP() << "this processor has neither AVX2 nor AVX-512: the direct kernel is not used";
  }
  // This processor's level, and AVX2's kernels too where it has AVX-512.
  std::vector<cpu::SimdLevel> levels = {cpu::simd_level()};
  if (cpu::simd_level() == cpu::SimdLevel::avx512) levels.push_back(cpu::SimdLevel::avx2);
  struct Case {
    DirectConvolution d;
    int64_t images;
  };
  const std::vector<Case> cases = {
      // channels, height, width, outputs, kernel, stride, pad, dilation, group; images
      {{3, 20, 25, 5, 7, 1, 0, 1, 1}, 3},    // 14 x 19: a last vector of 3 lanes
      {{4, 20, 20, 20, 7, 1, 2, 1, 1}, 2},   // 18 x 18, 20 outputs: two blocks, the last of 4
      {{2, 30, 33, 32, 11, 1, 0, 1, 1}, 2},  // DeepFace's C1 in small: 32 outputs, 11x11
      {{32, 24, 26, 16, 9, 1, 0, 1, 1}, 2},  // DeepFace's C3 in small: 16 outputs from 32
      {{3, 12, 16, 7, 9, 1, 4, 1, 1}, 1},    // pad 4: every input's gradient cropped from 20 x 24
      {{2, 16, 17, 3, 7, 1, 3, 1, 1}, 4},    // the input's size kept (pad 3)
  };
  for (const auto level : levels) {
    for (const int threads : {1, 2, 3}) {
      BlasThreads blas(threads);
      for (const auto& [d, images] : cases) {
        const std::string where = describe(d) + ", " + std::to_string(images) + " images, " +
                                  std::to_string(threads) + " BLAS threads, " +
                                  cpu::simd_level_name(level);
        ASSERT_EQ(cpu::winograd_tile(geometry(d), d.group), 0) << where;
        ASSERT_TRUE(cpu::direct_convolution_suits(geometry(d), d.group, d.outputs)) << where;
        expect_direct_convolution(d, images, where, ConvolutionAlgorithms::fastest, level);
      }
    }
  }
  // The bits: the same on every run and at either width, and different from the im2col route's,
  // which `fastest` keeps at the baseline level.
  const auto results = [](ConvolutionAlgorithms algorithms, cpu::SimdLevel level, bool relu) {
    auto ctx = Context::cpu(5);
    ctx.set_convolution_algorithms(algorithms);
    ctx.set_simd_level(level);
    auto layer = convolution(std::string("num_output: 6 kernel_size: 7 pad: 1") + kGaussianFillers);
    if (relu) layer->fuse_relu();
    TensorList bottom({{3, 4, 15, 22}}), top(1);  // 11 x 18 outputs: the direct kernel
    fill_gaussian(bottom[0], 31);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    TensorList top_diff({top[0].shape()});
    fill_gaussian(top_diff[0], 32);
    std::ranges::copy(top_diff[0].data(), top[0].mutable_diff().begin());
    for (auto& p : layer->params()) std::ranges::fill(p->mutable_diff(), 0.0f);
    layer->backward(ctx, top, {true}, bottom);
    std::vector<std::vector<float>> all;
    all.emplace_back(top[0].data().begin(), top[0].data().end());
    all.emplace_back(bottom[0].diff().begin(), bottom[0].diff().end());
    for (auto& p : layer->params()) all.emplace_back(p->diff().begin(), p->diff().end());
    return all;
  };
  constexpr auto kFastest = ConvolutionAlgorithms::fastest;
  const auto fastest = results(kFastest, cpu::simd_level(), false);
  for (int run = 0; run < 3; ++run) {
    EXPECT_EQ(results(kFastest, cpu::simd_level(), false), fastest) << "run " << run;
  }
  for (const auto level : levels) {
    EXPECT_EQ(results(kFastest, level, false), fastest) << cpu::simd_level_name(level);
  }
  // The output and both gradients took the kernel's route, not im2col's (the bias gradient is
  // the same plain sums on both); at the baseline level `fastest` is im2col's, to the bit.
  const auto reproducible = results(ConvolutionAlgorithms::reproducible, cpu::simd_level(), false);
  for (size_t r = 0; r < 3; ++r) EXPECT_NE(reproducible[r], fastest[r]) << "result " << r;
  EXPECT_EQ(results(kFastest, cpu::SimdLevel::baseline, false), reproducible);
  // A ReLU fused into the layer clamps the kernel's outputs at 0: ReLU's values exactly.
  const auto clamped = results(kFastest, cpu::simd_level(), true)[0];
  ASSERT_EQ(clamped.size(), fastest[0].size());
  for (size_t i = 0; i < clamped.size(); ++i) {
    ASSERT_EQ(clamped[i], std::max(fastest[0][i], 0.0f)) << "output " << i;
  }
  // Where the kernel goes: stride 1, no dilation, one group, up to 32 outputs, 7x7 and up, rows
  // of at least 16 outputs.
  EXPECT_TRUE(cpu::direct_convolution_suits(geometry({3, 152, 152, 32, 11, 1, 0, 1, 1}), 1, 32));
  EXPECT_FALSE(cpu::direct_convolution_suits(geometry({3, 152, 152, 33, 11, 1, 0, 1, 1}), 1, 33));
  EXPECT_FALSE(cpu::direct_convolution_suits(geometry({3, 152, 152, 32, 11, 2, 0, 1, 1}), 1, 32));
  EXPECT_FALSE(cpu::direct_convolution_suits(geometry({3, 152, 152, 32, 11, 1, 0, 2, 1}), 1, 32));
  EXPECT_FALSE(cpu::direct_convolution_suits(geometry({4, 152, 152, 32, 11, 1, 0, 1, 2}), 2, 32));
  EXPECT_FALSE(cpu::direct_convolution_suits(geometry({3, 152, 152, 32, 5, 1, 0, 1, 1}), 1, 32));
  EXPECT_FALSE(cpu::direct_convolution_suits(geometry({3, 152, 21, 32, 7, 1, 0, 1, 1}), 1, 32));
}

void expect_convolution_error(const std::string& settings, const Shape& input,
                              const std::vector<std::string>& fragments) {
  auto ctx = Context::cpu();
  TensorList bottom({input}), top(1);
  try {
    convolution(settings)->setup(ctx, bottom, top);
    FAIL() << "accepted: " << settings;
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("layer 'conv' (Convolution)")) << settings;
    for (const auto& f : fragments) EXPECT_THAT(e.what(), HasSubstr(f)) << settings;
  }
}

TEST(Convolution, RejectsBadSettingsWithClearMessages) {
  expect_convolution_error("num_output: 0 kernel_size: 3", {1, 1, 5, 5}, {"num_output"});
  expect_convolution_error("num_output: 2", {1, 1, 5, 5}, {"kernel_size"});
  expect_convolution_error("num_output: 2 kernel_size: 3 stride: 0", {1, 1, 5, 5}, {"stride"});
  expect_convolution_error("num_output: 2 kernel_size: 7", {1, 1, 5, 5},
                           {"kernel 7x7", "padded input 5x5", "(1 x 1 x 5 x 5)"});
  expect_convolution_error("num_output: 2 kernel_size: 3 dilation: 3", {1, 1, 5, 6},
                           {"extent", "7x7"});
  expect_convolution_error("num_output: 4 kernel_size: 1 group: 2", {1, 3, 5, 5},
                           {"group 2", "3", "(1 x 3 x 5 x 5)"});
  expect_convolution_error("num_output: 2 kernel_size: 1", {1, 3, 5}, {"4-D"});
  expect_convolution_error("num_output: 2 kernel_size: 3 kernel_h: 3 kernel_w: 3", {1, 1, 5, 5},
                           {"kernel_h"});
}

TEST(Convolution, ReshapeChecksChannelsAndKeepsWorkingForNewSizes) {
  auto ctx = Context::cpu();
  auto layer = convolution("num_output: 2 kernel_size: 3");
  TensorList bottom({{1, 2, 5, 5}}), top(1);
  layer->setup(ctx, bottom, top);
  bottom[0].reshape({3, 2, 7, 6});
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{3, 2, 5, 4}));
  bottom[0].reshape({1, 3, 5, 5});
  EXPECT_THROW(layer->forward(ctx, bottom, top), Error);
}

}  // namespace
}  // namespace visage::testing
