// The fused RmsProp kernel against the CPU loop: bit-identical values and history.
#include <gtest/gtest.h>

#include "solvers/rmsprop.hpp"
#include "tests/solvers/rule_parity.hpp"
#include "tests/support/parity.hpp"

namespace visage {
namespace {

TEST(RmsPropGpu, FusedKernelMatchesCpuBitForBit) {
  VISAGE_REQUIRE_GPU();
  testing::expect_rule_parity([](std::span<const ParamSlot> slots, int64_t n) {
    return std::make_unique<RmsPropRule>(0.99f, 1e-8f, slots, n);
  });
}

}  // namespace
}  // namespace visage
