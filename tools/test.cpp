// `visage test`: runs a trained network in the TEST phase for a number of batches and prints the
// mean of each of its outputs (accuracy, loss, ...).
#include <iostream>

#include "core/config.hpp"
#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "tools/command.hpp"
#include "tools/options.hpp"

namespace visage::tools {

int run_test(Args args) {
  Options options("test", "Evaluate trained weights: the mean of each net output over N batches.");
  options.value("model", "FILE", "network prototxt (required)")
      .value("weights", "FILE",
             "trained weights: a Visage snapshot or Caffe HDF5 weights (required)")
      .value("iterations", "N", "number of batches", "50")
      .value("device", "WHERE", kDeviceHelp, "auto");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("model") && options.has("weights"),
               "--model and --weights are required\n\n", options.usage());
  const int iterations = options.get_int("iterations");
  VISAGE_CHECK(iterations > 0, "--iterations must be > 0");

  Context ctx = make_context(options.get("device"), 1);
  NetOptions net_options;
  net_options.phase = proto::TEST;
  Net net(load_net_config(options.get("model")), net_options, ctx, builtin_layers());
  const WeightsReport report = load_weights(net, options.get("weights"));
  for (const auto& name : report.layers_missing) {
    std::cerr << "warning: layer '" << name << "' has no weights in " << options.get("weights")
              << "; it keeps its initialisation" << std::endl;
  }
  const TestResult result = average_outputs(net, ctx, iterations);
  std::cout << "net '" << net.name() << "' on " << ctx.describe() << ", " << iterations
            << " batches:" << std::endl;
  for (const auto& [name, value] : result.outputs) {
    std::cout << "  " << name << " = " << value << std::endl;
  }
  return 0;
}

}  // namespace visage::tools
