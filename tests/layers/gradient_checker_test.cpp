// The gradient checker must catch what it exists to catch: wrong bottom and parameter gradients,
// layers that accumulate into bottom diffs, and it must not trip over kinks it was told about.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// y = s * x^2 with a learnable scalar s; `Bug` selects a deliberate mistake in backward.
enum class Bug { none, wrong_bottom_gradient, accumulates_bottom, forgets_param };

class ScaledSquareLayer : public Layer {
 public:
  explicit ScaledSquareLayer(Bug bug)
      : Layer(layer_param("name: 'sq' type: 'ScaledSquare'")), bug_(bug) {}
  const char* type() const override { return "ScaledSquare"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override { top[0]->reshape_like(*bottom[0]); }

 protected:
  void configure(Context&, Tensors, Tensors) override {
    params_ = {std::make_shared<Tensor>(Shape{1})};
    params_[0]->mutable_data()[0] = 1.5f;
  }
  void forward_cpu(Context&, Tensors bottom, Tensors top) override {
    const float s = params_[0]->data()[0];
    const auto x = bottom[0]->data();
    for (std::size_t i = 0; i < x.size(); ++i) top[0]->mutable_data()[i] = s * x[i] * x[i];
  }
  void backward_cpu(Context&, Tensors top, const std::vector<bool>& down, Tensors bottom) override {
    const float s = params_[0]->data()[0];
    const auto x = bottom[0]->data();
    const auto dy = top[0]->diff();
    const float factor = bug_ == Bug::wrong_bottom_gradient ? 3.0f : 2.0f;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const float g = dy[i] * s * factor * x[i];
      if (down[0])
        bottom[0]->mutable_diff()[i] =
            (bug_ == Bug::accumulates_bottom ? bottom[0]->diff()[i] : 0.0f) + g;
      if (bug_ != Bug::forgets_param) params_[0]->mutable_diff()[0] += dy[i] * x[i] * x[i];
    }
  }
#if VISAGE_WITH_CUDA
  void forward_gpu(Context&, Tensors, Tensors) override { fail("CPU only"); }
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {
    fail("CPU only");
  }
#endif

 private:
  Bug bug_;
};

// y_j = max(x_2j, x_2j+1): piecewise linear, kinked where the two inputs tie.
class PairMaxLayer : public Layer {
 public:
  PairMaxLayer() : Layer(layer_param("name: 'pm' type: 'PairMax'")) {}
  const char* type() const override { return "PairMax"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override { top[0]->reshape({bottom[0]->count() / 2}); }

 protected:
  void forward_cpu(Context&, Tensors bottom, Tensors top) override {
    const auto x = bottom[0]->data();
    for (int64_t j = 0; j < top[0]->count(); ++j) {
      top[0]->mutable_data()[j] = std::max(x[2 * j], x[2 * j + 1]);
    }
  }
  void backward_cpu(Context&, Tensors top, const std::vector<bool>&, Tensors bottom) override {
    const auto x = bottom[0]->data();
    for (int64_t j = 0; j < top[0]->count(); ++j) {
      const bool first = x[2 * j] >= x[2 * j + 1];
      bottom[0]->mutable_diff()[2 * j] = first ? top[0]->diff()[j] : 0.0f;
      bottom[0]->mutable_diff()[2 * j + 1] = first ? 0.0f : top[0]->diff()[j];
    }
  }
#if VISAGE_WITH_CUDA
  void forward_gpu(Context&, Tensors, Tensors) override { fail("CPU only"); }
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {
    fail("CPU only");
  }
#endif
};

::testing::AssertionResult check_scaled_square(Bug bug) {
  auto ctx = Context::cpu();
  ScaledSquareLayer layer(bug);
  TensorList bottom({{2, 3}}), top(1);
  fill_uniform(bottom[0], 5, 0.5f, 2.0f);
  layer.setup(ctx, bottom, top);
  return check_gradients(layer, ctx, bottom, top);
}

TEST(GradientChecker, PassesACorrectLayer) { EXPECT_TRUE(check_scaled_square(Bug::none)); }

TEST(GradientChecker, ReportsTheFirstWrongBottomElementWithBothValues) {
  const auto result = check_scaled_square(Bug::wrong_bottom_gradient);
  ASSERT_FALSE(result);
  EXPECT_THAT(
      result.message(),
      AllOf(HasSubstr("layer 'sq' (ScaledSquare)"), HasSubstr("bottom 0 (2 x 3) element 0"),
            HasSubstr("analytic"), HasSubstr("numeric"), HasSubstr("6 of 6 elements mismatch")));
}

TEST(GradientChecker, CatchesLayersThatAccumulateIntoBottomDiffs) {
  EXPECT_FALSE(check_scaled_square(Bug::accumulates_bottom));
}

TEST(GradientChecker, ChecksParameterGradients) {
  const auto result = check_scaled_square(Bug::forgets_param);
  ASSERT_FALSE(result);
  EXPECT_THAT(result.message(), HasSubstr("param 0 (1) element 0"));
}

TEST(GradientChecker, SkipsElementsWhoseStepMovesTheArgmax) {
  auto ctx = Context::cpu();
  PairMaxLayer layer;
  TensorList bottom(std::vector<Shape>{{6}}), top(1);
  // The first pair ties within the step (0.01), the others are far apart.
  set_values(bottom[0], {0.300f, 0.305f, 1.0f, -1.0f, -0.5f, 0.5f});
  layer.setup(ctx, bottom, top);
  EXPECT_FALSE(check_gradients(layer, ctx, bottom, top));
  const auto result = check_gradients(layer, ctx, bottom, top, {.kink_at_argmax_change = true});
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr("4 elements checked, 2 skipped"));
}

}  // namespace
}  // namespace visage::testing
