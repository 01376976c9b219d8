// Net prototxt -> parse_net_config -> a Net on the CPU with every built-in layer: the parser, the
// include/exclude rules, split insertion, every layer's configure and reshape checks, parameter
// sharing and packing. The TEST net is always built, the TRAIN net too when the phase rules make
// it differ. Seeds: configs/**/*.prototxt.
#include <cstddef>
#include <cstdint>

#include "core/config.hpp"
#include "core/context.hpp"
#include "core/net.hpp"
#include "fuzz/fuzz_support.hpp"
#include "solvers/builtin_layers.hpp"

namespace {

// The largest repo config is about 30 KB; longer inputs only slow the fuzzer down.
constexpr size_t kMaxInputBytes = 32 * 1024;

bool phases_differ(const visage::proto::NetParameter& param) {
  visage::NetOptions train;
  train.phase = visage::proto::TRAIN;
  visage::NetOptions test;
  test.phase = visage::proto::TEST;
  for (const auto& layer : param.layer()) {
    if (visage::layer_included(layer, train) != visage::layer_included(layer, test)) return true;
  }
  return false;
}

void build(const visage::NetConfig& config, visage::proto::Phase phase) {
  visage::Context ctx = visage::Context::cpu();
  visage::NetOptions options;
  options.phase = phase;
  const visage::Net net(config, options, ctx, visage::builtin_layers());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  visage::fuzz::expect_only_visage_errors([&] {
    const visage::NetConfig config =
        visage::parse_net_config(visage::fuzz::as_text(data, size), "fuzz");
    build(config, visage::proto::TEST);
    if (phases_differ(config.param)) build(config, visage::proto::TRAIN);
  });
  return 0;
}
