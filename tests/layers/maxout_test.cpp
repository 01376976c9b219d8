#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

std::unique_ptr<Layer> maxout(int pieces) {
  return make_layer("name: 'mo' type: 'Maxout' maxout_param { pieces: " + std::to_string(pieces) +
                    " }");
}

// Input (1, 6) with p = 2: units take channels {0,1}, {2,3}, {4,5} (consecutive pieces).
TEST(Maxout, TakesTheMaximumOfConsecutivePieces) {
  auto ctx = Context::cpu();
  auto layer = maxout(2);
  TensorList bottom({{1, 6}}), top(1);
  set_values(bottom[0], {1, 5, -2, -3, 4, 4});
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  EXPECT_EQ(top[0].shape(), (Shape{1, 3}));
  EXPECT_THAT(top[0].data(), ElementsAre(FloatEq(5), FloatEq(-2), FloatEq(4)));

  set_values(bottom[0], {1, 5, -2, -3, 4, 4});
  std::ranges::copy(std::vector<float>{10, 20, 30}, top[0].mutable_diff().begin());
  layer->backward(ctx, top, {true}, bottom);
  // The tie in the last unit goes to the lower piece.
  EXPECT_THAT(bottom[0].diff(), ElementsAre(FloatEq(0), FloatEq(10), FloatEq(20), FloatEq(0),
                                            FloatEq(30), FloatEq(0)));
}

// (2, 6, 1, 2) with p = 3: each unit's pieces are channels c*3 .. c*3+2 at the same position.
TEST(Maxout, GroupsChannelsPerSpatialPosition) {
  auto ctx = Context::cpu();
  auto layer = maxout(3);
  TensorList bottom({{2, 6, 1, 2}}), top(1);
  std::vector<float> values(24);
  for (int i = 0; i < 24; ++i) values[i] = static_cast<float>((i * 7) % 11);
  set_values(bottom[0], values);
  layer->setup(ctx, bottom, top);
  layer->forward(ctx, bottom, top);
  ASSERT_EQ(top[0].shape(), (Shape{2, 2, 1, 2}));
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 2; ++c) {
      for (int s = 0; s < 2; ++s) {
        float expected = -1;
        for (int j = 0; j < 3; ++j)
          expected = std::max(expected, values[(n * 6 + c * 3 + j) * 2 + s]);
        EXPECT_FLOAT_EQ(top[0].data()[(n * 2 + c) * 2 + s], expected) << n << " " << c << " " << s;
      }
    }
  }
}

TEST(Maxout, GradientsMatchFiniteDifferencesAwayFromTies) {
  struct Case {
    Shape shape;
    int pieces;
  };
  for (const auto& [shape, pieces] :
       {Case{{1, 4}, 2}, Case{{3, 6, 2, 3}, 2}, Case{{2, 9, 3, 1}, 3}, Case{{1, 5, 1, 1}, 5}}) {
    auto ctx = Context::cpu();
    auto layer = maxout(pieces);
    TensorList bottom({shape}), top(1);
    fill_gaussian(bottom[0], 11);
    layer->setup(ctx, bottom, top);
    EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.kink_at_argmax_change = true}))
        << to_string(shape) << " pieces " << pieces;
  }
}

TEST(Maxout, RejectsChannelsNotDivisibleByPieces) {
  auto ctx = Context::cpu();
  auto layer = maxout(4);
  TensorList bottom({{2, 6}}), top(1);
  try {
    layer->setup(ctx, bottom, top);
    FAIL() << "6 channels accepted for 4 pieces";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("layer 'mo' (Maxout)"), HasSubstr("6 channels"),
                                HasSubstr("not divisible by pieces 4")));
  }
}

TEST(Maxout, RejectsZeroPiecesAndInputsWithoutChannels) {
  auto ctx = Context::cpu();
  TensorList bottom(std::vector<Shape>{{6}}), top(1);
  EXPECT_THROW(maxout(0)->setup(ctx, bottom, top), Error);
  EXPECT_THROW(maxout(2)->setup(ctx, bottom, top), Error);
}

}  // namespace
}  // namespace visage::testing
