#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>

#include "core/blas_kernels.hpp"
#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "core/simd_level.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/update_rule.hpp"
#include "tools/options.hpp"

namespace visage::tools {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::ranges::sort(v);
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Inputs get Gaussian noise; tops named like labels get class 0 so that loss layers accept them.
void fill_inputs(Net& net, Context& ctx) {
  for (int i = 0; i < net.num_layers(); ++i) {
    if (!net.bottoms(i).empty()) continue;
    for (size_t t = 0; t < net.tops(i).size(); ++t) {
      auto values = net.tops(i)[t]->mutable_data();
      const bool is_label = net.top_names(i)[t].find("label") != std::string::npos;
      for (float& v : values) v = is_label ? 0.0f : ctx.rng().gaussian(0.0f, 1.0f);
    }
  }
}

// --batch: the first axis of every Input layer's shapes (deploy nets declare batch 1 or 10).
void set_input_batch(NetConfig& config, int64_t batch) {
  for (auto& layer : *config.param.mutable_layer()) {
    if (layer.type() != "Input") continue;
    for (auto& shape : *layer.mutable_input_param()->mutable_shape()) {
      VISAGE_CHECK(shape.dim_size() > 0, config.source, ": Input layer '", layer.name(),
                   "' has a shape without axes; --batch sets the first axis");
      shape.set_dim(0, batch);
    }
  }
}

}  // namespace

int run_time(Args args) {
  Options options(
      "time",
      "Times forward and backward passes of a network, layer by layer, and reports "
      "the median per iteration and per image. Inputs are random; backward is a training "
      "step's: from the net's outputs to every parameter, not into the input images.");
  options.positional("NET.prototxt", "the network config")
      .value("iterations", "N", "timed iterations", "10")
      .value("warmup", "N", "untimed iterations first (allocation, algorithm choice)", "1")
      .value("phase", "train|test", "which phase's layers to include", "train")
      .value("batch", "N",
             "images per iteration: sets the first axis of every Input layer (default: as the "
             "config says)",
             "0")
      .value("device", "DEV", kDeviceHelp, "auto")
      .value("conv-algorithms", "HOW", kConvolutionAlgorithmsHelp, "reproducible")
      .flag("forward-only", "time the forward pass only")
      .value("update", "RULE",
             "also apply this update rule to every parameter in each iteration, as a training "
             "step does: SGD (momentum 0.9, like PyTorch's yardstick bench.py), Nesterov, "
             "AdaGrad, RMSProp or Adam; its time is the row 'update'");
  if (!options.parse(args)) return 0;
  const int iterations = options.get_int("iterations");
  const int warmup = options.get_int("warmup");
  VISAGE_CHECK(iterations > 0 && warmup >= 0, "--iterations must be > 0 and --warmup >= 0");
  const std::string phase = options.get("phase");
  VISAGE_CHECK(phase == "train" || phase == "test", "--phase ", phase, ": expected train or test");
  const bool backward = !options.get_flag("forward-only");
  VISAGE_CHECK(backward || !options.has("update"),
               "--update needs the backward pass: drop --forward-only");
  const int requested_batch = options.get_int("batch");
  VISAGE_CHECK(requested_batch >= 0, "--batch must be a positive number of images, got ",
               requested_batch);

  const ConvolutionAlgorithms convolution_algorithms =
      parse_convolution_algorithms(options.get("conv-algorithms"));
  Context ctx = make_context(options.get("device"), 1);
  ctx.set_convolution_algorithms(convolution_algorithms);
  NetConfig config = load_net_config(options.positional_value(0));
  if (requested_batch > 0) set_input_batch(config, requested_batch);
  NetOptions net_options;
  net_options.phase = phase == "train" ? proto::TRAIN : proto::TEST;
  // A training step's work, loss or no loss (deploy nets have none: their outputs stand for it),
  // back to every parameter and not into the input images.
  net_options.backward_from_outputs = backward;
  Net net(config, net_options, ctx, builtin_layers());
  fill_inputs(net, ctx);
  std::unique_ptr<UpdateRule> rule;
  if (options.has("update")) {
    proto::SolverParameter solver;
    solver.set_type(options.get("update"));
    // Momentum as bench.py's SGD; AdaGrad and RMSProp have none (the solver refuses it).
    if (solver.type() != "AdaGrad" && solver.type() != "RMSProp") solver.set_momentum(0.9f);
    rule = make_update_rule(solver, net.learnable_params(), net.num_param_elements());
  }
  // A small fixed rate: the parameters stay finite over any number of timed iterations.
  const UpdateStep step_rule{.rate = 1e-3f};

  const int n = net.num_layers();
  int64_t batch = 1;
  for (int i = 0; i < n && batch == 1; ++i) {
    if (net.bottoms(i).empty() && !net.tops(i).empty()) batch = net.tops(i)[0]->dim(0);
  }

  // On a GPU the per-layer times need a wait after every layer, which the iteration time must not
  // include: the iterations are timed in runs of their own there. On the CPU the waits are free.
  const bool separate_iteration_runs = ctx.is_gpu();
  std::vector<std::vector<double>> forward_ms(n), backward_ms(n);
  std::vector<double> update_ms;
  std::vector<double> iteration_ms;
  if (separate_iteration_runs) {
    for (int it = 0; it < warmup + iterations; ++it) {
      const auto start = Clock::now();
      if (backward) {
        net.forward_backward(ctx);
        if (rule) rule->apply(ctx, net.all_params(), step_rule);
        net.zero_param_diffs(ctx);
      } else {
        net.forward(ctx);
      }
      ctx.synchronize();
      if (it >= warmup) {
        iteration_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    }
  }
  std::cout << "timing '" << net.name() << "' on " << ctx.describe() << ", batch " << batch << ", "
            << iterations << " iterations after " << warmup << " warm-up, "
            << options.get("conv-algorithms") << " convolutions";
  if (!ctx.is_gpu()) {
    std::cout << "\nBLAS: " << cpu::describe_blas()
              << "\nvector kernels of Visage's own: " << cpu::simd_level_name(ctx.simd_level());
  }
  std::cout << "\n";
  for (int it = 0; it < warmup + iterations; ++it) {
    const bool timed = it >= warmup;
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      net.forward_layer(ctx, i);
      ctx.synchronize();
      if (timed)
        forward_ms[i].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    if (backward) {
      net.seed_loss_gradients(ctx);
      for (int i = n - 1; i >= 0; --i) {
        const auto t0 = Clock::now();
        net.backward_layer(ctx, i);
        ctx.synchronize();
        if (timed)
          backward_ms[i].push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      if (rule) {
        const auto t0 = Clock::now();
        rule->apply(ctx, net.all_params(), step_rule);
        ctx.synchronize();
        if (timed)
          update_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      net.zero_param_diffs(ctx);
    }
    ctx.synchronize();
    if (timed && !separate_iteration_runs)
      iteration_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }

  std::cout << std::left << std::setw(24) << "layer" << std::setw(18) << "type" << std::right
            << std::setw(14) << "forward ms" << std::setw(14) << "backward ms"
            << "\n";
  double total_forward = 0;
  double total_backward = 0;
  for (int i = 0; i < n; ++i) {
    const double f = median(forward_ms[i]);
    const double b = backward ? median(backward_ms[i]) : 0.0;
    total_forward += f;
    total_backward += b;
    std::cout << std::left << std::setw(24) << net.layer(i).name() << std::setw(18)
              << net.layer(i).type() << std::right << std::fixed << std::setprecision(3)
              << std::setw(14) << f << std::setw(14) << b << "\n";
  }
  if (rule) {
    std::cout << std::left << std::setw(24) << "update" << std::setw(18) << rule->type()
              << std::right << std::fixed << std::setprecision(3) << std::setw(14) << ""
              << std::setw(14) << median(update_ms) << "\n";
  }
  const double step = median(iteration_ms);
  std::cout << std::fixed << std::setprecision(3) << "forward: " << total_forward
            << " ms, backward: " << total_backward << " ms";
  if (rule) std::cout << ", update: " << median(update_ms) << " ms";
  std::cout << " (medians, summed over layers)\n"
            << (backward ? (rule ? "training step (forward, backward, update)" : "forward-backward")
                         : "forward")
            << " iteration: " << step << " ms median, " << step / static_cast<double>(batch)
            << " ms per image, " << std::setprecision(1)
            << 1000.0 * static_cast<double>(batch) / step << " images/s\n";
  return 0;
}

}  // namespace visage::tools
