#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

std::unique_ptr<Layer> eltwise(const std::string& settings) {
  return make_layer("name: 'el' type: 'Eltwise' eltwise_param { " + settings + " }");
}

struct EltwiseCase {
  std::string settings;
  std::vector<float> forward;
  std::vector<std::vector<float>> backward;  // per bottom, for top diff (1, 2, 3)
};

// a = (1, -2, 3), b = (4, 5, -6), c = (0.5, 5, 2).
TEST(Eltwise, ForwardAndBackwardOnHandPickedValues) {
  for (const auto& [settings, forward, backward] : {
           EltwiseCase{"operation: SUM", {5.5f, 8, -1}, {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}},
           EltwiseCase{"operation: SUM coeff: 1 coeff: -1 coeff: 2",
                       {-2, 3, 13},
                       {{1, 2, 3}, {-1, -2, -3}, {2, 4, 6}}},
           EltwiseCase{
               "operation: PROD", {2, -50, -36}, {{2, 50, -36}, {0.5f, -20, 18}, {4, -20, -54}}},
           // Ties (element 1: b and c are both 5) go to the lower bottom.
           EltwiseCase{"operation: MAX", {4, 5, 3}, {{0, 0, 3}, {1, 2, 0}, {0, 0, 0}}},
       }) {
    auto ctx = Context::cpu();
    auto layer = eltwise(settings);
    TensorList bottom({{3}, {3}, {3}}), top(1);
    set_values(bottom[0], {1, -2, 3});
    set_values(bottom[1], {4, 5, -6});
    set_values(bottom[2], {0.5f, 5, 2});
    layer->setup(ctx, bottom, top);
    layer->forward(ctx, bottom, top);
    EXPECT_THAT(top[0].data(),
                ElementsAre(FloatEq(forward[0]), FloatEq(forward[1]), FloatEq(forward[2])))
        << settings;
    std::ranges::copy(std::vector<float>{1, 2, 3}, top[0].mutable_diff().begin());
    layer->backward(ctx, top, {true, true, true}, bottom);
    for (int b = 0; b < 3; ++b) {
      EXPECT_THAT(bottom[b].diff(), ElementsAre(FloatEq(backward[b][0]), FloatEq(backward[b][1]),
                                                FloatEq(backward[b][2])))
          << settings << " bottom " << b;
    }
  }
}

TEST(Eltwise, GradientsMatchFiniteDifferences) {
  for (const std::string settings :
       {"operation: SUM coeff: 0.5 coeff: -2 coeff: 1.5", "operation: PROD", "operation: MAX"}) {
    for (const Shape& shape : {Shape{2, 3, 2, 3}, Shape{1, 5}}) {
      auto ctx = Context::cpu();
      auto layer = eltwise(settings);
      TensorList bottom({shape, shape, shape}), top(1);
      for (int b = 0; b < 3; ++b) fill_gaussian(bottom[b], 40 + b);
      layer->setup(ctx, bottom, top);
      EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.kink_at_argmax_change = true}))
          << settings << " " << to_string(shape);
    }
  }
}

TEST(Eltwise, RejectsMismatchedShapesAndMisplacedCoefficients) {
  auto ctx = Context::cpu();
  TensorList top(1);
  TensorList mismatched({{2, 3}, {3, 2}});
  try {
    eltwise("operation: SUM")->setup(ctx, mismatched, top);
    FAIL() << "mismatched shapes accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr("layer 'el' (Eltwise)"), HasSubstr("bottom 1 has shape (3 x 2)")));
  }
  TensorList bottom({{2, 3}, {2, 3}});
  EXPECT_THROW(eltwise("operation: PROD coeff: 1 coeff: 2")->setup(ctx, bottom, top), Error);
  EXPECT_THROW(eltwise("operation: SUM coeff: 1")->setup(ctx, bottom, top), Error);
}

}  // namespace
}  // namespace visage::testing
