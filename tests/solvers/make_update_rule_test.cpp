#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "solvers/fused_update_cpu.hpp"
#include "solvers/sgd.hpp"
#include "solvers/update_rule.hpp"
#include "tests/solvers/tiny_update.hpp"
#include "tests/support/blas_threads.hpp"
#include "tests/support/gradient_check.hpp"

namespace visage {
namespace {

using testing::tiny_slots;

std::string type_built_from(const std::string& solver_text) {
  return make_update_rule(parse_solver_config(solver_text), tiny_slots(), 3)->type();
}

TEST(MakeUpdateRule, BuildsEveryRuleByType) {
  for (const std::string type : {"SGD", "Nesterov", "AdaGrad", "RMSProp", "Adam"}) {
    EXPECT_EQ(type_built_from("type: '" + type + "'"), type);
  }
}

TEST(MakeUpdateRule, AcceptsCaffesDeprecatedSolverTypeEnum) {
  EXPECT_EQ(type_built_from("solver_type: NESTEROV"), "Nesterov");
  EXPECT_EQ(type_built_from("solver_type: ADAGRAD"), "AdaGrad");
  EXPECT_EQ(type_built_from("solver_type: RMSPROP"), "RMSProp");
  EXPECT_EQ(type_built_from("solver_type: ADAM"), "Adam");
  EXPECT_EQ(type_built_from("solver_type: SGD"), "SGD");
}

TEST(MakeUpdateRule, HistoryBuffersAreNamedForSnapshots) {
  const auto names = [](const std::string& type) {
    std::vector<std::string> result;
    const auto rule =
        make_update_rule(parse_solver_config("type: '" + type + "'"), tiny_slots(), 3);
    for (const auto& [name, tensor] : rule->history()) result.push_back(name);
    return result;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names("Nesterov"), Names{"momentum"});
  EXPECT_EQ(names("AdaGrad"), Names{"squared_gradient_sum"});
  EXPECT_EQ(names("RMSProp"), Names{"mean_squared_gradient"});
  EXPECT_EQ(names("Adam"), (Names{"first_moment", "second_moment", "steps_taken"}));
}

// The CPU update splits the parameter buffer into blocks for the threads; the blocks end at and
// cut through slots of different lr_mult and decay_mult. Three steps of every rule must give the
// same bits (parameters and history) on one thread as on two, and SGD's are the plain loop's.
TEST(MakeUpdateRule, EveryRuleGivesTheSameBitsOnAnyNumberOfThreads) {
  // The first slot ends where the first block does, the second inside the third block.
  constexpr int64_t kBlock = fused::kCpuUpdateBlock;
  const std::vector<ParamSlot> slots = {
      ParamSlot{"a", 0, {kBlock}, 0, kBlock, 1.0f, 1.0f},
      ParamSlot{"a", 1, {1500001}, kBlock, 1500001, 2.0f, 0.0f},
      ParamSlot{"b", 0, {777}, kBlock + 1500001, 777, 0.5f, 1.0f},
  };
  const int64_t count = kBlock + 1500001 + 777;
  const UpdateStep step{0.01f, 1.0f, 0.0005f, Regularization::l2};
  for (const std::string type : {"SGD", "Nesterov", "AdaGrad", "RMSProp", "Adam"}) {
    const std::string solver =
        "type: '" + type + "'" + (type == "AdaGrad" || type == "RMSProp" ? "" : " momentum: 0.9");
    std::vector<std::vector<float>> results;
    for (const int threads : {1, 2}) {
      visage::testing::BlasThreads blas(threads);
      auto ctx = Context::cpu();
      Tensor params(Shape{count});
      visage::testing::fill_gaussian(params, 31);
      const auto rule = make_update_rule(parse_solver_config(solver), slots, count);
      for (int iteration = 0; iteration < 3; ++iteration) {
        Tensor gradient(Shape{count});
        visage::testing::fill_gaussian(gradient, 40 + iteration);
        std::ranges::copy(gradient.data(), params.mutable_diff().begin());
        rule->apply(ctx, params, step);
      }
      std::vector<float> state(params.data().begin(), params.data().end());
      for (const auto& [name, tensor] : rule->history()) {
        state.insert(state.end(), tensor->data().begin(), tensor->data().end());
      }
      results.push_back(std::move(state));
    }
    EXPECT_TRUE(results[0] == results[1]) << type;
    if (type != "SGD") continue;
    // And they are the plain loop's, element by element with its slot's multipliers.
    Tensor params(Shape{count});
    visage::testing::fill_gaussian(params, 31);
    std::vector<float> w(params.data().begin(), params.data().end());
    std::vector<float> velocity(count, 0.0f);
    const SgdElement element{velocity.data(), 0.9f};
    for (int iteration = 0; iteration < 3; ++iteration) {
      Tensor gradient(Shape{count});
      visage::testing::fill_gaussian(gradient, 40 + iteration);
      for (int64_t i = 0, s = 0; i < count; ++i) {
        if (i == slots[s].offset + slots[s].count) ++s;
        const SlotRange slot{slots[s].offset + slots[s].count, slots[s].lr_mult,
                             slots[s].decay_mult};
        const auto in = fused::element_input(step, slot, w[i], gradient.data()[i]);
        w[i] = fused::sub(w[i], element(i, in.gradient, in.rate));
      }
    }
    w.insert(w.end(), velocity.begin(), velocity.end());
    EXPECT_TRUE(results[0] == w);
  }
}

TEST(MakeUpdateRule, RejectsMomentumWithAdaGradAndRmsPropAndUnknownTypes) {
  try {
    type_built_from("type: 'AdaGrad' momentum: 0.9");
    FAIL() << "expected AdaGrad with momentum to be rejected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("momentum cannot be used with AdaGrad"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(type_built_from("type: 'RMSProp' momentum: 0.5"), Error);
  EXPECT_THROW(type_built_from("type: 'AdaDelta'"), Error);
  EXPECT_THROW(type_built_from("type: 'Lion'"), Error);
}

}  // namespace
}  // namespace visage
