#include "tests/support/parity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage::testing {
namespace {

// What a bottom gradient holds before backward: a layer must overwrite it.
constexpr float kStaleBottomGradient = 17.0f;

// One of the two runs: its own layer and its own copies of the inputs.
struct Side {
  std::unique_ptr<Layer> layer;
  TensorList bottom;
  TensorList top;
};

Side make_side(const proto::LayerParameter& param, Tensors inputs, Context& ctx) {
  std::vector<Shape> shapes;
  for (const Tensor* t : inputs) shapes.push_back(t->shape());
  Side side{builtin_layers().create(param), TensorList(shapes),
            TensorList(static_cast<int>(param.top_size() > 0 ? param.top_size() : 1))};
  for (std::size_t b = 0; b < inputs.size(); ++b) side.bottom[b].copy_data_from(*inputs[b]);
  side.layer->setup(ctx, side.bottom, side.top);
  return side;
}

void expect_close(const std::string& what, std::span<const float> cpu, std::span<const float> gpu,
                  const ParityOptions& options) {
  ASSERT_EQ(cpu.size(), gpu.size()) << what << ": sizes differ";
  int64_t mismatches = 0;
  std::string first;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const float scale = std::max(std::abs(cpu[i]), std::abs(gpu[i]));
    const float allowed = options.abs_tolerance + options.rel_tolerance * scale;
    const bool same = std::abs(cpu[i] - gpu[i]) <= allowed;  // false for NaN
    if (!same && mismatches++ == 0) {
      first = concat(what, " element ", i, ": cpu ", cpu[i], " vs gpu ", gpu[i], " (allowed ",
                     allowed, ")");
    }
  }
  EXPECT_EQ(mismatches, 0) << first << " [" << mismatches << " of " << cpu.size()
                           << " elements mismatch]";
}

}  // namespace

bool gpu_required() {
  const char* value = std::getenv("VISAGE_GPU_REQUIRED");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

void expect_cpu_gpu_parity(const proto::LayerParameter& param, Tensors inputs,
                           const ParityOptions& options) {
  VISAGE_REQUIRE_GPU();
  Context cpu_ctx = Context::cpu(options.seed);
  Context gpu_ctx = Context::gpu(0, options.seed);
  cpu_ctx.set_convolution_algorithms(options.convolution_algorithms);
  gpu_ctx.set_convolution_algorithms(options.convolution_algorithms);
  Side cpu = make_side(param, inputs, cpu_ctx);
  Side gpu = make_side(param, inputs, gpu_ctx);
  ASSERT_EQ(cpu.layer->params().size(), gpu.layer->params().size());
  for (std::size_t p = 0; p < cpu.layer->params().size(); ++p) {
    gpu.layer->params()[p]->copy_data_from(*cpu.layer->params()[p]);
  }

  cpu.layer->forward(cpu_ctx, cpu.bottom, cpu.top);
  gpu.layer->forward(gpu_ctx, gpu.bottom, gpu.top);
  for (std::size_t t = 0; t < cpu.top.size(); ++t) {
    ASSERT_EQ(cpu.top[t].shape(), gpu.top[t].shape()) << "top " << t << " shapes differ";
    expect_close(concat("top ", t), cpu.top[t].data(), gpu.top[t].data(), options);
  }
  if (!options.check_backward) return;

  // Backward runs twice on both sides, from a stale bottom gradient and random parameter
  // gradients: a kernel that adds into a bottom gradient instead of overwriting it, or that
  // overwrites a parameter gradient instead of accumulating into it, differs from the CPU after
  // the first pass; one that depends on state the first pass consumed differs after the second.
  Rng rng(options.seed);
  for (std::size_t t = 0; t < cpu.top.size(); ++t) {
    for (float& g : cpu.top[t].mutable_diff()) g = rng.uniform(-1.0f, 1.0f);
    std::ranges::copy(cpu.top[t].diff(), gpu.top[t].mutable_diff().begin());
  }
  for (std::size_t p = 0; p < cpu.layer->params().size(); ++p) {
    for (float& g : cpu.layer->params()[p]->mutable_diff()) g = rng.uniform(-1.0f, 1.0f);
    std::ranges::copy(cpu.layer->params()[p]->diff(),
                      gpu.layer->params()[p]->mutable_diff().begin());
  }
  std::vector<bool> propagate_down(inputs.size());
  for (std::size_t b = 0; b < inputs.size(); ++b) {
    propagate_down[b] = cpu.layer->can_backward_to(static_cast<int>(b));
    if (!propagate_down[b]) continue;
    std::ranges::fill(cpu.bottom[b].mutable_diff(), kStaleBottomGradient);
    std::ranges::fill(gpu.bottom[b].mutable_diff(), kStaleBottomGradient);
  }
  for (const char* pass : {"first backward", "second backward"}) {
    cpu.layer->backward(cpu_ctx, cpu.top, propagate_down, cpu.bottom);
    gpu.layer->backward(gpu_ctx, gpu.top, propagate_down, gpu.bottom);
    for (std::size_t b = 0; b < inputs.size(); ++b) {
      if (!propagate_down[b]) continue;
      expect_close(concat(pass, ": bottom ", b, " diff"), cpu.bottom[b].diff(),
                   gpu.bottom[b].diff(), options);
    }
    for (std::size_t p = 0; p < cpu.layer->params().size(); ++p) {
      expect_close(concat(pass, ": param ", p, " diff"), cpu.layer->params()[p]->diff(),
                   gpu.layer->params()[p]->diff(), options);
    }
  }
}

}  // namespace visage::testing
