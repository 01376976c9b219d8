// Solver prototxt -> parse_solver_config, then the learning-rate policy and the update rule that
// `visage train` derives from it (their parameter checks). Seeds: configs/**/solver*.prototxt.
#include <cstddef>
#include <cstdint>

#include "core/config.hpp"
#include "fuzz/fuzz_support.hpp"
#include "solvers/lr_policy.hpp"
#include "solvers/update_rule.hpp"

namespace {
constexpr size_t kMaxInputBytes = 8 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  visage::fuzz::expect_only_visage_errors([&] {
    const visage::proto::SolverParameter param =
        visage::parse_solver_config(visage::fuzz::as_text(data, size), "fuzz");
    const visage::LrPolicy policy(param);
    for (const int64_t iteration : {int64_t{0}, int64_t{1}, int64_t{param.max_iter()}}) {
      static_cast<void>(policy.rate(iteration));
      static_cast<void>(policy.step(iteration));
    }
    static_cast<void>(visage::make_update_rule(param, {}, 0));
  });
  return 0;
}
