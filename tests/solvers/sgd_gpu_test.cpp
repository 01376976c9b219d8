// The fused SGD kernel against the CPU loop: bit-identical values and history.
#include <gtest/gtest.h>

#include "solvers/sgd.hpp"
#include "tests/solvers/rule_parity.hpp"
#include "tests/support/parity.hpp"

namespace visage {
namespace {

TEST(SgdGpu, FusedKernelMatchesCpuBitForBit) {
  VISAGE_REQUIRE_GPU();
  testing::expect_rule_parity([](std::span<const ParamSlot> slots, int64_t n) {
    return std::make_unique<SgdRule>(0.9f, slots, n);
  });
}

}  // namespace
}  // namespace visage
