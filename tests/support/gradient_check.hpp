// Finite-difference gradient checking for any Layer (Caffe's GradientChecker idea).
//
// The objective is J = sum over tops t, elements i of w[t][i] * top[t][i] with fixed random
// weights w, so every output influences the check. The analytic gradient comes from one backward
// pass with top diffs = w; the numeric one from central differences (J(x+h) - J(x-h)) / 2h,
// computed in double from the float tops. An element passes when
//   |analytic - numeric| <= abs_tolerance + rel_tolerance * max(|analytic|, |numeric|).
//
// Typical use:
//   auto layer = make_layer("type: 'ReLU' name: 'relu'");
//   TensorList bottom({{2, 3}}), top(1);
//   fill_gaussian(bottom[0], 7);
//   layer->setup(ctx, bottom, top);
//   EXPECT_TRUE(check_gradients(*layer, ctx, bottom, top, {.kink = Kink{0.0f, 0.02f}}));
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/layer.hpp"

namespace visage::testing {

// Owns a layer's bottoms or tops and converts to the pointer list that Layer's methods take.
class TensorList {
 public:
  TensorList() = default;
  // `n` tensors for the layer to shape (tops).
  explicit TensorList(int n);
  // One tensor per shape, zero-filled. A single 1-D shape must be spelled
  // TensorList(std::vector<Shape>{{4}}): TensorList({{4}}) is ambiguous with the count.
  explicit TensorList(const std::vector<Shape>& shapes);

  Tensor& operator[](std::size_t i) { return *owned_[i]; }
  const Tensor& operator[](std::size_t i) const { return *owned_[i]; }
  std::size_t size() const { return owned_.size(); }
  operator Tensors() const { return pointers_; }  // NOLINT: implicit by design, for brevity
  const std::vector<Tensor*>& pointers() const { return pointers_; }

 private:
  void add(const Shape& shape);

  std::vector<std::unique_ptr<Tensor>> owned_;
  std::vector<Tensor*> pointers_;
};

// Deterministic random fills (visage::Rng, so the same seed gives the same values everywhere).
void fill_uniform(Tensor& tensor, uint64_t seed, float low = -1.0f, float high = 1.0f);
void fill_gaussian(Tensor& tensor, uint64_t seed, float mean = 0.0f, float stddev = 1.0f);
// Integer class labels in [0, classes).
void fill_labels(Tensor& tensor, uint64_t seed, int classes);
void set_values(Tensor& tensor, const std::vector<float>& values);

// Parses a LayerParameter from prototxt text and creates the layer from the builtin registry.
proto::LayerParameter layer_param(const std::string& prototxt);
std::unique_ptr<Layer> make_layer(const std::string& prototxt);

// Elements whose input lies within `range` of `at` are skipped: the derivative jumps there, so a
// central difference straddling it is meaningless (ReLU: at 0).
struct Kink {
  float at = 0.0f;
  float range = 0.0f;
};

struct GradientCheckOptions {
  float step = 1e-2f;
  float rel_tolerance = 1e-2f;
  float abs_tolerance = 1e-3f;
  std::optional<Kink> kink{};
  // For max-like (piecewise linear) layers: skip an element when some top is not linear over
  // [x - step, x + step], i.e. the perturbation moved an argmax.
  bool kink_at_argmax_change = false;
  // Seed of the objective's weights.
  uint64_t seed = 1701;
  // Tops that enter the objective; empty means all (a loss's auxiliary output may carry no
  // gradient, as Caffe's SoftmaxWithLoss probability top).
  std::vector<int> objective_tops{};
  bool check_bottoms = true;
  bool check_params = true;
};

// Checks d J / d bottom for every bottom the layer can back-propagate to and d J / d param for
// every parameter. The layer must be set up; tops must not alias bottoms (no in-place check).
// Reports the first mismatching element of each tensor (index, analytic and numeric values).
::testing::AssertionResult check_gradients(Layer& layer, Context& ctx, Tensors bottom, Tensors top,
                                           const GradientCheckOptions& options = {});

}  // namespace visage::testing
