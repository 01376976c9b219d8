// CPU-vs-GPU parity of an update rule: two instances, one per device, given the same uneven slot
// table (several thousand elements, so the kernel's slot search crosses boundaries) and the same
// random parameters and gradients, take the same steps under L2 and then L1 decay; values and
// every history buffer must agree bit for bit (the rules round each operation separately on
// both sides). Call after VISAGE_REQUIRE_GPU().
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "core/rng.hpp"
#include "solvers/update_rule.hpp"
#include "tests/support/same_bytes.hpp"

namespace visage::testing {

using RuleFactory =
    std::function<std::unique_ptr<UpdateRule>(std::span<const ParamSlot>, int64_t num_params)>;

inline void expect_rule_parity(const RuleFactory& make_rule) {
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
  const auto cpu_rule = make_rule(slots, offset);
  const auto gpu_rule = make_rule(slots, offset);
  for (const auto regularization : {Regularization::l2, Regularization::l1}) {
    const UpdateStep step{0.01f, 0.5f, 0.0005f, regularization};
    for (int i = 0; i < 3; ++i) {
      cpu_rule->apply(cpu, cpu_params, step);
      gpu_rule->apply(gpu, gpu_params, step);
    }
  }
  gpu.synchronize();
  EXPECT_TRUE(same_bytes(cpu_params.data(), gpu_params.data())) << cpu_rule->type();
  for (const auto& [name, tensor] : cpu_rule->history()) {
    EXPECT_TRUE(same_bytes(tensor->data(), gpu_rule->history(name).data()))
        << cpu_rule->type() << " history " << name;
  }
}

}  // namespace visage::testing
