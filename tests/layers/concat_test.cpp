#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/blas_threads.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Layer> concat(const std::string& settings = "") {
  return make_layer("name: 'cat' type: 'Concat' concat_param { " + settings + " }");
}

TEST(Concat, JoinsAlongTheChannelAxisByDefault) {
  auto ctx = Context::cpu();
  auto layer = concat();
  TensorList bottom({{2, 2}, {2, 1}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4});
  set_values(bottom[1], {5, 6});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{2, 3}));
  EXPECT_THAT(top[0].data(), ElementsAre(1, 2, 5, 3, 4, 6));

  std::ranges::copy(std::vector<float>{10, 20, 50, 30, 40, 60}, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true, true}, bottom);
  EXPECT_THAT(bottom[0].diff(), ElementsAre(10, 20, 30, 40));
  EXPECT_THAT(bottom[1].diff(), ElementsAre(50, 60));
}

TEST(Concat, HonoursAxisNegativeAxisAndLegacyConcatDim) {
  struct Case {
    std::string settings;
    Shape expected;
  };
  for (const auto& [settings, expected] :
       {Case{"axis: 0", {5, 3, 2}}, Case{"concat_dim: 0", {5, 3, 2}},
        Case{"axis: -3", {5, 3, 2}}}) {
    auto ctx = Context::cpu();
    auto layer = concat(settings);
    TensorList bottom({{2, 3, 2}, {3, 3, 2}}), top(1);
    fill_gaussian(bottom[0], 1);
    fill_gaussian(bottom[1], 2);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    ASSERT_EQ(top[0].shape(), expected) << settings;
    // Along the first axis the tensors simply follow each other.
    EXPECT_TRUE(std::ranges::equal(top[0].data().subspan(0, 12), bottom[0].data()));
    EXPECT_TRUE(std::ranges::equal(top[0].data().subspan(12), bottom[1].data()));
  }
  auto ctx = Context::cpu();
  auto last = concat("axis: -1");
  TensorList bottom({{2, 1, 2}, {2, 1, 1}}), top(1);
  set_values(bottom[0], {1, 2, 3, 4});
  set_values(bottom[1], {5, 6});
  last->setup(ctx, bottom, top);
  last->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{2, 1, 3}));
  EXPECT_THAT(top[0].data(), ElementsAre(1, 2, 5, 3, 4, 6));
}

TEST(Concat, GradientsMatchFiniteDifferences) {
  struct Case {
    std::string settings;
    std::vector<Shape> shapes;
  };
  for (const auto& [settings, shapes] :
       {Case{"axis: 1", {{2, 3, 2, 3}, {2, 1, 2, 3}, {2, 4, 2, 3}}},
        Case{"axis: 2", {{1, 2, 1, 3}, {1, 2, 3, 3}}},
        Case{"axis: 3", {{3, 1, 1, 2}, {3, 1, 1, 5}}}, Case{"axis: 0", {{1, 5}, {2, 5}}}}) {
    auto ctx = Context::cpu();
    auto layer = concat(settings);
    TensorList bottom(shapes), top(1);
    for (std::size_t b = 0; b < shapes.size(); ++b) fill_gaussian(bottom[b], 30 + b);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top)) << settings;
  }
}

// Large enough (8 x 9 x 64 x 64) for the copies to be spread over up to three workers, in
// blocks of slabs that end inside a top row: every value lands where the definition puts it.
TEST(Concat, CopiesEverySlabOnAnyNumberOfThreads) {
  const std::vector<Shape> shapes = {{8, 3, 64, 64}, {8, 5, 64, 64}, {8, 1, 64, 64}};
  const int64_t pixels = 64 * 64;
  for (const int threads : {1, 2, 3}) {
    BlasThreads blas(threads);
    auto ctx = Context::cpu();
    auto layer = concat();
    TensorList bottom(shapes), top(1);
    for (std::size_t b = 0; b < shapes.size(); ++b) fill_gaussian(bottom[b], 40 + b);
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    TensorList top_diff({top[0].shape()});
    fill_gaussian(top_diff[0], 50);
    std::ranges::copy(top_diff[0].data(), top[0].mutable_diff().begin());
    std::ranges::fill(bottom[1].mutable_diff(), 7.0f);
    layer->backward(ctx, top, {true, false, true}, bottom);
    int64_t first_channel = 0;
    for (std::size_t b = 0; b < shapes.size(); ++b) {
      const int64_t channels = shapes[b][1];
      for (int64_t n = 0; n < 8; ++n) {
        for (int64_t i = 0; i < channels * pixels; ++i) {
          const int64_t in = n * channels * pixels + i;
          const int64_t out = (n * 9 + first_channel) * pixels + i;
          ASSERT_EQ(top[0].data()[out], bottom[b].data()[in]) << threads << " threads, " << in;
          ASSERT_EQ(bottom[b].diff()[in], b == 1 ? 7.0f : top[0].diff()[out])
              << threads << " threads, bottom " << b << ", " << in;
        }
      }
      first_channel += channels;
    }
  }
}

TEST(Concat, OneBottomSharesItsBuffers) {
  auto ctx = Context::cpu();
  auto layer = concat();
  TensorList bottom({{2, 3}}), top(1);
  layer->setup(ctx, bottom, top);
  EXPECT_EQ(top[0].data().data(), bottom[0].data().data());
  EXPECT_EQ(top[0].diff().data(), bottom[0].diff().data());
}

TEST(Concat, RejectsShapesThatDisagreeOffTheAxis) {
  auto ctx = Context::cpu();
  auto layer = concat("axis: 1");
  TensorList bottom({{2, 3, 4}, {2, 5, 3}}), top(1);
  try {
    layer->setup(ctx, bottom, top);
    FAIL() << "mismatched shapes accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr("layer 'cat' (Concat)"), HasSubstr("bottom 1 of shape (2 x 5 x 3)"),
                      HasSubstr("(2 x 3 x 4)")));
  }
  TensorList different_rank({{2, 3}, {2, 3, 1}});
  EXPECT_THROW(concat()->setup(ctx, different_rank, top), Error);
}

TEST(Concat, RejectsBadAxes) {
  auto ctx = Context::cpu();
  TensorList bottom({{2, 3}, {2, 3}}), top(1);
  EXPECT_THROW(concat("axis: 2")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(concat("axis: -3")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(concat("concat_dim: 2")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(concat("axis: 1 concat_dim: 1")->setup(ctx, bottom, top), Error);
}

}  // namespace
}  // namespace visage::testing
