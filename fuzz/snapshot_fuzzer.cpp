// Snapshot file bytes -> what `visage train --snapshot` does (Solver::restore: the header checks,
// the weights, the update rule's history, the loss window, the RNG, the data layers' states) and
// what `--weights` does (load_weights) with the same file. Seeds: a snapshot of the tiny run in
// fuzz/tiny_training.hpp, written by visage_fuzz_seeds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/context.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/tiny_training.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"

namespace {
constexpr size_t kMaxInputBytes = 64 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  static visage::fuzz::TempFile file(".h5");
  const std::string& path = file.write(std::span<const uint8_t>(data, size));
  // A fresh solver for every input, so that one input's partial restore cannot affect the next.
  visage::Context ctx = visage::Context::cpu();
  visage::Solver solver(visage::fuzz::tiny_solver_param("unused"), ctx,
                        visage::fuzz::quiet_options());
  visage::fuzz::expect_only_visage_errors([&] { solver.restore(path); });
  visage::fuzz::expect_only_visage_errors(
      [&] { static_cast<void>(visage::load_weights(solver.net(), path)); });
  return 0;
}
