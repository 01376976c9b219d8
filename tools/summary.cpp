#include <algorithm>
#include <iomanip>
#include <iostream>

#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "tools/net_table.hpp"
#include "tools/options.hpp"

namespace visage::tools {
namespace {

NetOptions phase_options(const std::string& phase) {
  NetOptions options;
  VISAGE_CHECK(phase == "train" || phase == "test", "--phase ", phase, ": expected train or test");
  options.phase = phase == "train" ? proto::TRAIN : proto::TEST;
  options.check_memory = false;  // describing a net meant for a bigger machine is fine
  return options;
}

}  // namespace

int run_summary(Args args) {
  Options options("summary",
                  "Prints each layer of a network with its input and output size per sample, "
                  "kernel (size x size x input channels, stride), parameters and multiply-adds, "
                  "then the totals. FaceNet's tables count multiply-adds as FLOPs; the total line "
                  "gives both.");
  options.positional("NET.prototxt", "the network config")
      .value("phase", "train|test", "which phase's layers to include", "test");
  if (!options.parse(args)) return 0;

  const NetConfig config = load_net_config(options.positional_value(0));
  Context ctx = Context::cpu();
  Net net(config, phase_options(options.get("phase")), ctx, builtin_layers());
  const auto rows = summarize(net);

  // Wide enough for the longest name (inception_4a_3x3_reduce_relu), so columns stay aligned.
  size_t name_width = 22;
  for (const auto& r : rows) name_width = std::max(name_width, r.name.size() + 2);
  const auto print_row = [name_width](const std::string& name, const std::string& type,
                                      const std::string& in, const std::string& out,
                                      const std::string& kernel, const std::string& params,
                                      const std::string& macs) {
    std::cout << std::left << std::setw(static_cast<int>(name_width)) << name << std::setw(18)
              << type << std::setw(16) << in << std::setw(16) << out << std::setw(18) << kernel
              << std::right << std::setw(10) << params << std::setw(11) << macs << "\n";
  };
  std::cout << "net '" << net.name() << "' (" << config.source << ")\n";
  print_row("layer", "type", "size-in", "size-out", "kernel", "params", "mult-adds");
  int64_t total_params = 0;
  int64_t total_macs = 0;
  for (const auto& r : rows) {
    print_row(r.name, r.type, r.size_in, r.size_out, r.kernel,
              r.params ? format_count(r.params) : "", r.macs ? format_count(r.macs) : "");
    total_macs += r.macs;
  }
  total_params = net.num_param_elements();
  std::cout << "total: " << format_count(total_params) << " parameters (" << total_params << "), "
            << format_count(total_macs) << " multiply-adds = " << format_count(2 * total_macs)
            << " FLOPs per sample\n";
  std::cout << "memory: " << std::fixed << std::setprecision(1)
            << net.memory_bytes() / (1024.0 * 1024.0 * 1024.0)
            << " GiB for activations and parameters (values and gradients) at the config's batch "
               "size, "
            << std::setprecision(1) << ctx.memory_bytes() / (1024.0 * 1024.0 * 1024.0)
            << " GiB on this machine\n";
  return 0;
}

}  // namespace visage::tools
