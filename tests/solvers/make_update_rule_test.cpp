#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "solvers/update_rule.hpp"
#include "tests/solvers/tiny_update.hpp"

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
