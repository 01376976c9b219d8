#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

#include "tests/support/blas_threads.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::unique_ptr<Layer> pooling(const std::string& settings) {
  return make_layer("name: 'pool' type: 'Pooling' pooling_param { " + settings + " }");
}

Shape pooled_shape(const std::string& settings, const Shape& input) {
  auto ctx = Context::cpu();
  auto layer = pooling(settings);
  TensorList bottom({input}), top(1);
  layer->setup(ctx, bottom, top);
  return top[0].shape();
}

TEST(Pooling, OutputSizeFollowsCaffe) {
  // GoogLeNet/NN2 pool1: ceil((112 - 3) / 2) + 1 = 56.
  EXPECT_EQ(pooled_shape("kernel_size: 3 stride: 2", {1, 1, 112, 112}), (Shape{1, 1, 56, 56}));
  EXPECT_EQ(pooled_shape("kernel_size: 3 stride: 2 round_mode: FLOOR", {1, 1, 112, 112}),
            (Shape{1, 1, 55, 55}));
  // DeepFace M2: 142 -> 71 with 3x3/2 (ceil mode).
  EXPECT_EQ(pooled_shape("kernel_size: 3 stride: 2", {2, 32, 142, 142}), (Shape{2, 32, 71, 71}));
  // ceil((5 + 2 - 2) / 2) + 1 = 4, but window 4 would start at 6 - 1 = 5, in the padding: 3.
  EXPECT_EQ(pooled_shape("kernel_size: 2 stride: 2 pad: 1", {1, 1, 5, 5}), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(pooled_shape("kernel_size: 3 stride: 2 pad: 1", {1, 1, 6, 6}), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(pooled_shape("kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 0",
                         {1, 2, 4, 5}),
            (Shape{1, 2, 4, 3}));
  EXPECT_EQ(pooled_shape("pool: AVE global_pooling: true", {3, 4, 7, 5}), (Shape{3, 4, 1, 1}));
}

TEST(Pooling, MaxForwardAndBackwardOnHandPickedValues) {
  auto ctx = Context::cpu();
  auto layer = pooling("pool: MAX kernel_size: 2 stride: 2");
  // 4 x 5: ceil mode gives 2 x 3 windows, the last column window holding one column.
  TensorList bottom({{1, 1, 4, 5}}), top(1);
  set_values(bottom[0], {1, 9, 2, 3, 4,  //
                         5, 6, 8, 7, 0,  //
                         0, 1, 2, 3, 4,  //
                         4, 3, 2, 1, 5});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 1, 2, 3}));
  EXPECT_THAT(top[0].data(), ElementsAre(9, 8, 4, 4, 3, 5));
  set_values(top[0], {9, 8, 4, 4, 3, 5});
  std::ranges::copy(std::vector<float>{1, 2, 3, 4, 5, 6}, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(0, 1, 0, 0, 3,  //
                                            0, 0, 2, 0, 0,  //
                                            0, 0, 0, 5, 0,  //
                                            4, 0, 0, 0, 6));
}

// Caffe's AVE divides by the window clipped to the padded image: padding counts.
TEST(Pooling, AveCountsPaddingInTheDivisor) {
  auto ctx = Context::cpu();
  auto layer = pooling("pool: AVE kernel_size: 2 stride: 1 pad: 1");
  TensorList bottom({{1, 1, 2, 2}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 1, 3, 3}));
  EXPECT_THAT(top[0].data(), ElementsAre(0.25f, 0.75f, 0.5f, 1.0f, 2.5f, 1.5f, 0.75f, 1.75f, 1.0f));
  std::ranges::fill(top[0].mutable_diff(), 1.0f);
  layer->backward(ctx, top, {true}, bottom);
  // Every pixel lies in 4 windows, each of area 4.
  EXPECT_THAT(bottom[0].diff(), ElementsAre(1, 1, 1, 1));
}

TEST(Pooling, L2ForwardAndBackwardOnHandPickedValues) {
  auto ctx = Context::cpu();
  auto layer = pooling("pool: L2 kernel_size: 2 stride: 1");
  TensorList bottom({{1, 1, 2, 3}}), top(1);
  set_values(bottom[0], {3, 4, 0, 0, 0, 0});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_THAT(top[0].data(), ElementsAre(5, 4));
  std::ranges::fill(top[0].mutable_diff(), 1.0f);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), Pointwise(FloatEq(), std::vector<float>{0.6f, 1.8f, 0, 0, 0, 0}));

  // An all-zero window has y = 0 and passes no gradient (not NaN).
  std::ranges::fill(bottom[0].mutable_data(), 0.0f);
  layer->forward(ctx, bottom, top);
  layer->backward(ctx, top, {true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(0, 0, 0, 0, 0, 0));
}

TEST(Pooling, GlobalPoolingTakesTheWholeImage) {
  auto ctx = Context::cpu();
  for (const auto& [method, expected] :
       std::vector<std::pair<std::string, float>>{{"MAX", 4}, {"AVE", 2.5f}, {"L2", 5.4772256f}}) {
    auto layer = pooling("global_pooling: true pool: " + method);
    TensorList bottom({{1, 1, 2, 2}}), top(1);
    set_values(bottom[0], {1, 2, 3, 4});
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    EXPECT_THAT(top[0].data(), ElementsAre(FloatNear(expected, 1e-6f))) << method;
  }
}

TEST(Pooling, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"kernel_size: 3 stride: 2", {2, 2, 7, 6}},
      {"kernel_size: 2 stride: 2 pad: 1", {1, 3, 5, 5}},
      {"kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1", {1, 2, 4, 5}},
      {"kernel_size: 3 stride: 1 pad: 1", {1, 1, 4, 3}},
      {"kernel_size: 3 stride: 2 round_mode: FLOOR", {2, 1, 6, 7}},
      {"global_pooling: true", {2, 3, 3, 4}},
  };
  for (const char* method : {"MAX", "AVE", "L2"}) {
    for (const auto& c : cases) {
      auto ctx = Context::cpu(5);
      auto layer = pooling(std::string("pool: ") + method + " " + c.settings);
      TensorList bottom({c.input}), top(1);
      fill_gaussian(bottom[0], 11);
      layer->setup(ctx, bottom, top);
      GradientCheckOptions options;
      options.step = 1e-3f;
      options.kink_at_argmax_change = std::string(method) == "MAX";
      EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, options))
          << method << " " << c.settings;
    }
  }
}

struct PoolingCase {
  std::string method;
  int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  std::string extra;  // round_mode, global_pooling

  std::string settings() const {
    if (extra == "global_pooling: true") return "pool: " + method + " " + extra;
    return "pool: " + method + " kernel_h: " + std::to_string(kernel_h) +
           " kernel_w: " + std::to_string(kernel_w) + " stride_h: " + std::to_string(stride_h) +
           " stride_w: " + std::to_string(stride_w) + " pad_h: " + std::to_string(pad_h) +
           " pad_w: " + std::to_string(pad_w) + " " + extra;
  }
};

// Pooling straight from Caffe's definition, one window at a time: the window of output (py, px)
// starts at (py * stride - pad, px * stride - pad), ends at the padded image's edge at the latest,
// and reads the pixels inside the image; MAX takes the first maximum in row-major order (nothing
// when no value exceeds -FLT_MAX), AVE divides by the window's area in the padded image, L2 takes
// the root of the sum of squares. Returns the top and, for top gradient dy, the bottom gradient.
std::pair<std::vector<float>, std::vector<float>> reference_pooling(const PoolingCase& c,
                                                                    const Shape& in,
                                                                    const Shape& out,
                                                                    std::span<const float> x,
                                                                    std::span<const float> dy) {
  const int64_t height = in[2], width = in[3], pooled_h = out[2], pooled_w = out[3];
  const bool global = c.extra == "global_pooling: true";
  const int64_t kh = global ? height : c.kernel_h, kw = global ? width : c.kernel_w;
  std::vector<float> y(dy.size()), dx(x.size(), 0.0f);
  for (int64_t plane = 0; plane < in[0] * in[1]; ++plane) {
    for (int64_t py = 0; py < pooled_h; ++py) {
      for (int64_t px = 0; px < pooled_w; ++px) {
        const int64_t o = (plane * pooled_h + py) * pooled_w + px;
        int64_t y0 = py * c.stride_h - c.pad_h, x0 = px * c.stride_w - c.pad_w;
        int64_t y1 = std::min(y0 + kh, height + c.pad_h), x1 = std::min(x0 + kw, width + c.pad_w);
        const auto area = static_cast<float>((y1 - y0) * (x1 - x0));
        y0 = std::max<int64_t>(y0, 0);
        x0 = std::max<int64_t>(x0, 0);
        y1 = std::min(y1, height);
        x1 = std::min(x1, width);
        float best = -FLT_MAX, sum = 0;
        int64_t best_at = -1;
        for (int64_t yy = y0; yy < y1; ++yy) {
          for (int64_t xx = x0; xx < x1; ++xx) {
            const int64_t i = (plane * height + yy) * width + xx;
            if (x[i] > best) {
              best = x[i];
              best_at = i;
            }
            sum += c.method == "L2" ? x[i] * x[i] : x[i];
          }
        }
        if (c.method == "MAX") {
          y[o] = best;
          if (best_at >= 0) dx[best_at] += dy[o];
          continue;
        }
        y[o] = c.method == "L2" ? std::sqrt(sum) : sum / area;
        for (int64_t yy = y0; yy < y1; ++yy) {
          for (int64_t xx = x0; xx < x1; ++xx) {
            const int64_t i = (plane * height + yy) * width + xx;
            if (c.method == "AVE") dx[i] += dy[o] / area;
            if (c.method == "L2" && y[o] > 0) dx[i] += dy[o] / y[o] * x[i];
          }
        }
      }
    }
  }
  return {y, dx};
}

// The CPU passes pool rows first and then columns, a block of planes per worker, either row by
// row or, for windows centred on a pixel (kernel 2 pad + 1: stride 1, and MAX at any stride on
// narrow planes), one shifted loop over the whole plane per tap. This compares both with the
// definition on inputs full of ties (small integers, so that sums are exact), with windows
// reaching into the padding on every side (and past the plane: an 11-row kernel on 9 rows),
// several planes per worker and 1-3 workers. MAX also gets a plane of -inf, whose windows have
// no maximum.
TEST(Pooling, MatchesTheDefinitionWithTiesAndAnyWorkerCount) {
  const std::vector<PoolingCase> cases = {
      {"MAX", 3, 3, 2, 2, 1, 1, "round_mode: FLOOR"},
      {"MAX", 3, 3, 2, 2, 1, 1, ""},
      {"MAX", 3, 3, 1, 1, 1, 1, "round_mode: FLOOR"},
      {"MAX", 5, 3, 2, 1, 2, 1, "round_mode: FLOOR"},
      {"MAX", 11, 3, 1, 1, 5, 1, ""},
      {"MAX", 3, 2, 2, 1, 2, 1, ""},
      {"MAX", 2, 2, 3, 3, 0, 0, ""},
      {"MAX", 0, 0, 1, 1, 0, 0, "global_pooling: true"},
      {"AVE", 3, 3, 2, 2, 1, 1, ""},
      {"AVE", 2, 3, 1, 2, 1, 2, ""},
      {"AVE", 5, 3, 1, 1, 2, 1, ""},
      {"AVE", 0, 0, 1, 1, 0, 0, "global_pooling: true"},
      {"L2", 3, 3, 1, 1, 1, 1, "round_mode: FLOOR"},
      {"L2", 3, 2, 2, 1, 2, 0, ""},
      {"L2", 1, 3, 1, 1, 0, 1, ""},
      {"L2", 0, 0, 1, 1, 0, 0, "global_pooling: true"},
  };
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    for (const auto& c : cases) {
      const std::string where = c.settings() + ", " + std::to_string(threads) + " BLAS threads";
      auto ctx = Context::cpu();
      auto layer = pooling(c.settings());
      TensorList bottom({{3, 7, 9, 8}}), top(1);
      fill_uniform(bottom[0], 21, -3.0f, 3.0f);
      for (float& v : bottom[0].mutable_data()) v = std::floor(v);
      if (c.method == "MAX") {
        std::ranges::fill(bottom[0].mutable_data().subspan(5 * 72, 72), -INFINITY);
      }
      layer->setup(ctx, bottom, top);
      layer->forward(ctx, bottom, top);
      TensorList top_diff({top[0].shape()});
      fill_gaussian(top_diff[0], 22);
      std::ranges::copy(top_diff[0].data(), top[0].mutable_diff().begin());
      layer->backward(ctx, top, {true}, bottom);
      const auto [y, dx] = reference_pooling(c, bottom[0].shape(), top[0].shape(), bottom[0].data(),
                                             top_diff[0].data());
      EXPECT_THAT(top[0].data(), Pointwise(FloatEq(), y)) << where;
      EXPECT_THAT(bottom[0].diff(), Pointwise(FloatNear(1e-5f), dx)) << where;
    }
  }
}

void expect_pooling_error(const std::string& settings, const Shape& input,
                          const std::vector<std::string>& fragments) {
  auto ctx = Context::cpu();
  TensorList bottom({input}), top(1);
  try {
    pooling(settings)->setup(ctx, bottom, top);
    FAIL() << "accepted: " << settings;
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("layer 'pool' (Pooling)")) << settings;
    for (const auto& f : fragments) EXPECT_THAT(e.what(), HasSubstr(f)) << settings;
  }
}

TEST(Pooling, RejectsBadSettingsWithClearMessages) {
  expect_pooling_error("pool: MAX", {1, 1, 4, 4}, {"kernel_size"});
  expect_pooling_error("kernel_size: 2 stride: 0", {1, 1, 4, 4}, {"stride"});
  expect_pooling_error("kernel_size: 2 pad: 2", {1, 1, 4, 4}, {"pad 2x2", "kernel 2x2"});
  expect_pooling_error("kernel_size: 5", {1, 1, 4, 3},
                       {"kernel 5x5", "padded input 4x3", "(1 x 1 x 4 x 3)"});
  expect_pooling_error("pool: STOCHASTIC kernel_size: 2", {1, 1, 4, 4}, {"STOCHASTIC"});
  expect_pooling_error("global_pooling: true kernel_size: 2", {1, 1, 4, 4}, {"global_pooling"});
  expect_pooling_error("kernel_size: 2", {4, 4}, {"4-D"});
}

}  // namespace
}  // namespace visage::testing
