#include "tests/support/gradient_check.hpp"

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "solvers/builtin_layers.hpp"

namespace visage::testing {
namespace {

// A bottom's diff is filled with this before the analytic pass: layers overwrite bottom gradients,
// so any of it surviving into the result shows up as a mismatch.
constexpr float kStaleGradient = 17.0f;

using TopValues = std::vector<std::vector<float>>;

// The values the objective weights the tops with, and the tops' values at the unperturbed point.
struct Objective {
  std::vector<std::vector<double>> weights;  // per top; empty for tops left out
  TopValues baseline;                        // for the argmax-change test

  double evaluate(Tensors top) const {
    double total = 0;
    for (std::size_t t = 0; t < top.size(); ++t) {
      const auto values = top[t]->data();
      for (std::size_t i = 0; i < weights[t].size(); ++i) total += weights[t][i] * values[i];
    }
    return total;
  }
};

Objective make_objective(Tensors top, const GradientCheckOptions& options) {
  Rng rng(options.seed);
  Objective objective;
  objective.weights.resize(top.size());
  for (std::size_t t = 0; t < top.size(); ++t) {
    const bool used = options.objective_tops.empty() ||
                      std::ranges::find(options.objective_tops, static_cast<int>(t)) !=
                          options.objective_tops.end();
    if (!used) continue;
    auto& w = objective.weights[t];
    w.resize(top[t]->count());
    // Kept away from zero so that no output is silently ignored.
    for (double& x : w) x = (rng.bernoulli(0.5) ? 1.0 : -1.0) * rng.uniform(0.5f, 1.5f);
  }
  return objective;
}

TopValues snapshot(Tensors top) {
  TopValues out;
  for (const Tensor* t : top) out.emplace_back(t->data().begin(), t->data().end());
  return out;
}

// Whether some top is not linear over [x - h, x + h]: its second difference exceeds round-off.
bool moved_argmax(const TopValues& minus, const TopValues& centre, const TopValues& plus) {
  for (std::size_t t = 0; t < centre.size(); ++t) {
    for (std::size_t i = 0; i < centre[t].size(); ++i) {
      const double second = double{plus[t][i]} - 2.0 * centre[t][i] + minus[t][i];
      if (std::abs(second) > 1e-4 * std::max(1.0, std::abs(double{centre[t][i]}))) return true;
    }
  }
  return false;
}

struct Checked {
  std::string name;
  Tensor* tensor;
  bool is_param;
  std::vector<float> analytic;
};

struct Tally {
  int64_t checked = 0;
  int64_t skipped = 0;
  std::vector<std::string> failures;
};

void check_tensor(Layer& layer, Context& ctx, Tensors bottom, Tensors top,
                  const Objective& objective, const GradientCheckOptions& options,
                  const Checked& target, Tally& tally) {
  const float h = options.step;
  int64_t mismatches = 0;
  std::string first;
  for (int64_t i = 0; i < target.tensor->count(); ++i) {
    const float original = target.tensor->data()[i];
    if (!target.is_param && options.kink &&
        std::abs(original - options.kink->at) < options.kink->range) {
      ++tally.skipped;
      continue;
    }
    target.tensor->mutable_data()[i] = original + h;
    layer.forward(ctx, bottom, top);
    const double plus = objective.evaluate(top);
    const auto plus_tops =
        options.kink_at_argmax_change ? snapshot(top) : decltype(snapshot(top)){};
    target.tensor->mutable_data()[i] = original - h;
    layer.forward(ctx, bottom, top);
    const double minus = objective.evaluate(top);
    const bool kinked =
        options.kink_at_argmax_change && moved_argmax(snapshot(top), objective.baseline, plus_tops);
    target.tensor->mutable_data()[i] = original;
    if (kinked) {
      ++tally.skipped;
      continue;
    }
    ++tally.checked;
    const double numeric = (plus - minus) / (2.0 * h);
    const double analytic = target.analytic[i];
    const double scale = std::max(std::abs(analytic), std::abs(numeric));
    const double allowed = options.abs_tolerance + options.rel_tolerance * scale;
    if (std::abs(analytic - numeric) > allowed || !std::isfinite(analytic)) {
      if (mismatches++ == 0) {
        first = concat(target.name, " ", target.tensor->shape_string(), " element ", i, " (input ",
                       original, "): analytic ", analytic, " vs numeric ", numeric,
                       ", |difference| ", std::abs(analytic - numeric), " > allowed ", allowed);
      }
    }
  }
  if (mismatches > 0) {
    tally.failures.push_back(
        concat(first, " [", mismatches, " of ", target.tensor->count(), " elements mismatch]"));
  }
}

}  // namespace

TensorList::TensorList(int n) {
  for (int i = 0; i < n; ++i) add(Shape{});
}

TensorList::TensorList(const std::vector<Shape>& shapes) {
  for (const Shape& shape : shapes) add(shape);
}

void TensorList::add(const Shape& shape) {
  owned_.push_back(std::make_unique<Tensor>(shape));
  std::ranges::fill(owned_.back()->mutable_data(), 0.0f);
  pointers_.push_back(owned_.back().get());
}

void fill_uniform(Tensor& tensor, uint64_t seed, float low, float high) {
  Rng rng(seed);
  for (float& x : tensor.mutable_data()) x = rng.uniform(low, high);
}

void fill_gaussian(Tensor& tensor, uint64_t seed, float mean, float stddev) {
  Rng rng(seed);
  for (float& x : tensor.mutable_data()) x = rng.gaussian(mean, stddev);
}

void fill_labels(Tensor& tensor, uint64_t seed, int classes) {
  Rng rng(seed);
  for (float& x : tensor.mutable_data()) x = static_cast<float>(rng.below(classes));
}

void set_values(Tensor& tensor, const std::vector<float>& values) {
  VISAGE_CHECK(static_cast<int64_t>(values.size()) == tensor.count(), "set_values: ", values.size(),
               " values for a tensor of shape ", tensor.shape_string());
  std::ranges::copy(values, tensor.mutable_data().begin());
}

proto::LayerParameter layer_param(const std::string& prototxt) {
  proto::LayerParameter param;
  VISAGE_CHECK(google::protobuf::TextFormat::ParseFromString(prototxt, &param),
               "cannot parse LayerParameter from: ", prototxt);
  return param;
}

std::unique_ptr<Layer> make_layer(const std::string& prototxt) {
  return builtin_layers().create(layer_param(prototxt));
}

::testing::AssertionResult check_gradients(Layer& layer, Context& ctx, Tensors bottom, Tensors top,
                                           const GradientCheckOptions& options) {
  for (const Tensor* t : top) {
    if (std::ranges::find(bottom, t) != bottom.end()) {
      return ::testing::AssertionFailure()
             << layer.describe() << ": gradient check needs tops distinct from bottoms";
    }
  }

  // Analytic pass.
  layer.forward(ctx, bottom, top);
  Objective objective = make_objective(top, options);
  objective.baseline = snapshot(top);
  for (std::size_t t = 0; t < top.size(); ++t) {
    auto diff = top[t]->mutable_diff();
    std::ranges::fill(diff, 0.0f);
    std::ranges::transform(objective.weights[t], diff.begin(),
                           [](double w) { return static_cast<float>(w); });
  }
  for (auto& param : layer.params()) std::ranges::fill(param->mutable_diff(), 0.0f);
  std::vector<bool> propagate_down(bottom.size());
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    propagate_down[b] = options.check_bottoms && layer.can_backward_to(static_cast<int>(b));
    if (propagate_down[b]) std::ranges::fill(bottom[b]->mutable_diff(), kStaleGradient);
  }
  layer.backward(ctx, top, propagate_down, bottom);

  std::vector<Checked> targets;
  for (std::size_t b = 0; b < bottom.size(); ++b) {
    if (!propagate_down[b]) continue;
    const auto diff = bottom[b]->diff();
    targets.push_back({concat("bottom ", b), bottom[b], false, {diff.begin(), diff.end()}});
  }
  if (options.check_params) {
    for (std::size_t p = 0; p < layer.params().size(); ++p) {
      Tensor* param = layer.params()[p].get();
      const auto diff = param->diff();
      targets.push_back({concat("param ", p), param, true, {diff.begin(), diff.end()}});
    }
  }

  Tally tally;
  for (const Checked& target : targets) {
    check_tensor(layer, ctx, bottom, top, objective, options, target, tally);
  }
  if (!tally.failures.empty()) {
    auto failure = ::testing::AssertionFailure() << layer.describe() << ": gradient mismatch";
    for (const auto& f : tally.failures) failure << "\n  " << f;
    return failure << "\n  (" << tally.checked << " elements checked, " << tally.skipped
                   << " skipped at kinks)";
  }
  if (tally.checked == 0) {
    return ::testing::AssertionFailure() << layer.describe() << ": nothing was checked ("
                                         << tally.skipped << " elements skipped at kinks)";
  }
  return ::testing::AssertionSuccess()
         << tally.checked << " elements checked, " << tally.skipped << " skipped";
}

}  // namespace visage::testing
