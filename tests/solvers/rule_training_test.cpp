// Every update rule through the whole Solver on the separable problem of training_fixture.hpp:
// it fits the problem, and a run resumed from a snapshot is bit-identical to an uninterrupted one
// (weights, every history buffer, smoothed loss, RNG).
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"
#include "tests/support/same_bytes.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::quiet_solver_options;
using testing::same_bytes;
using testing::TempFolder;

struct RuleCase {
  std::string type;
  float base_lr;
  float momentum;  // AdaGrad and RMSProp take none; Adam reads it as beta1
};

void PrintTo(const RuleCase& c, std::ostream* out) { *out << c.type; }

class RuleTraining : public ::testing::TestWithParam<RuleCase> {
 protected:
  // The fixture's solver with this rule: fixed rate, no decay of it within the short runs.
  proto::SolverParameter solver_param(const testing::TrainingProblem& problem) const {
    proto::SolverParameter param = load_solver_config(problem.solver);
    param.set_type(GetParam().type);
    param.set_base_lr(GetParam().base_lr);
    param.set_momentum(GetParam().momentum);
    return param;
  }
};

TEST_P(RuleTraining, FitsASeparableProblem) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 60\naverage_loss: 6\n");
  Context ctx = Context::cpu();
  Solver solver(solver_param(problem), ctx, quiet_solver_options(problem.solver));
  ASSERT_EQ(std::string(solver.update_rule().type()), GetParam().type);
  solver.step(1);
  const double initial = solver.smoothed_loss();
  solver.step(59);
  EXPECT_LT(solver.smoothed_loss(), 0.05) << "initial loss " << initial;
}

TEST_P(RuleTraining, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 12\niter_size: 2\naverage_loss: 4\n");
  const auto param = solver_param(problem);

  Context straight_ctx = Context::cpu();
  Solver straight(param, straight_ctx, quiet_solver_options(problem.solver));
  straight.step(12);

  std::string snapshot;
  {
    Context ctx = Context::cpu();
    Solver first_half(param, ctx, quiet_solver_options(problem.solver));
    first_half.step(6);
    snapshot = first_half.snapshot();
  }
  Context resumed_ctx = Context::cpu(99);  // a different seed: everything must come from the file
  Solver resumed(param, resumed_ctx, quiet_solver_options(problem.solver));
  resumed.restore(snapshot);
  ASSERT_EQ(resumed.iter(), 6);
  resumed.step(6);

  EXPECT_TRUE(same_bytes(straight.net().all_params().data(), resumed.net().all_params().data()));
  const auto& histories = straight.update_rule().history();
  ASSERT_FALSE(histories.empty());
  for (const auto& [name, tensor] : histories) {
    EXPECT_TRUE(same_bytes(tensor->data(), resumed.update_rule().history(name).data())) << name;
  }
  EXPECT_EQ(straight.smoothed_loss(), resumed.smoothed_loss());
  EXPECT_EQ(straight_ctx.rng().state(), resumed_ctx.rng().state());
  Context fresh_ctx = Context::cpu();
  Solver fresh(param, fresh_ctx, quiet_solver_options(problem.solver));
  EXPECT_FALSE(same_bytes(fresh.net().all_params().data(), straight.net().all_params().data()));
}

INSTANTIATE_TEST_SUITE_P(EveryRule, RuleTraining,
                         ::testing::Values(RuleCase{"SGD", 0.05f, 0.9f},
                                           RuleCase{"Nesterov", 0.05f, 0.9f},
                                           RuleCase{"AdaGrad", 0.1f, 0.0f},
                                           RuleCase{"RMSProp", 0.01f, 0.0f},
                                           RuleCase{"Adam", 0.05f, 0.9f}),
                         [](const auto& test) { return test.param.type; });

}  // namespace
}  // namespace visage
