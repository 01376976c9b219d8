// Net prototxt -> parse_net_config -> a Net on the CPU with every built-in layer, in both phases:
// the parser, the include/exclude rules, split insertion, every layer's configure and reshape
// checks, parameter sharing and packing. Seeds: configs/**/*.prototxt.
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
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  visage::fuzz::expect_only_visage_errors([&] {
    const visage::NetConfig config =
        visage::parse_net_config(visage::fuzz::as_text(data, size), "fuzz");
    for (const visage::proto::Phase phase : {visage::proto::TRAIN, visage::proto::TEST}) {
      visage::Context ctx = visage::Context::cpu();
      visage::NetOptions options;
      options.phase = phase;
      const visage::Net net(config, options, ctx, visage::builtin_layers());
    }
  });
  return 0;
}
