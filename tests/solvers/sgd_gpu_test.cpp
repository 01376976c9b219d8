// The fused SGD kernel against the CPU loop: bit-identical values and history.
#include <gtest/gtest.h>

#include <cstring>

#include "core/rng.hpp"
#include "solvers/sgd.hpp"
#include "tests/support/parity.hpp"

namespace visage {
namespace {

TEST(SgdGpu, FusedKernelMatchesCpuBitForBit) {
  VISAGE_REQUIRE_GPU();
  // Uneven slots, several thousand elements, so the kernel's slot search crosses boundaries.
  std::vector<ParamSlot> slots;
  int64_t offset = 0;
  for (int s = 0; s < 7; ++s) {
    const int64_t count = 1 + 997 * s;
    slots.push_back(
        ParamSlot{"layer", s, {count}, offset, count, 0.5f * s, s % 2 == 0 ? 1.0f : 0.0f});
    offset += count;
  }
  Rng rng(5);
  Tensor cpu_params(Shape{offset});
  Tensor gpu_params(Shape{offset});
  for (auto& v : cpu_params.mutable_data()) v = rng.gaussian(0, 1);
  for (auto& v : cpu_params.mutable_diff()) v = rng.gaussian(0, 1);
  std::ranges::copy(cpu_params.data(), gpu_params.mutable_data().begin());
  std::ranges::copy(cpu_params.diff(), gpu_params.mutable_diff().begin());

  Context cpu = Context::cpu();
  Context gpu = Context::gpu(0);
  SgdRule cpu_rule(0.9f, slots, offset);
  SgdRule gpu_rule(0.9f, slots, offset);
  for (const auto regularization : {Regularization::l2, Regularization::l1}) {
    const UpdateStep step{0.01f, 0.5f, 0.0005f, regularization};
    for (int i = 0; i < 3; ++i) {
      cpu_rule.apply(cpu, cpu_params, step);
      gpu_rule.apply(gpu, gpu_params, step);
    }
  }
  gpu.synchronize();
  const auto a = cpu_params.data();
  const auto b = gpu_params.data();
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size_bytes()), 0);
  const auto ha = cpu_rule.history("momentum").data();
  const auto hb = gpu_rule.history("momentum").data();
  EXPECT_EQ(std::memcmp(ha.data(), hb.data(), ha.size_bytes()), 0);
  EXPECT_NE(a[0], 0.0f);
}

}  // namespace
}  // namespace visage
