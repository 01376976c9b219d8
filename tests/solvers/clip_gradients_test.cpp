// Global-norm gradient clipping (SolverParameter.clip_gradients), implemented by the Solver as a
// factor in UpdateStep.gradient_scale: one SGD step without momentum or decay moves each weight
// by exactly rate * lr_mult * (its averaged gradient, rescaled to the clip norm when above it).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/config.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::quiet_solver_options;
using testing::TempFolder;

// The step of each weight divided by its lr_mult, and the summed gradient it came from.
struct OneStep {
  std::vector<double> step_per_lr_mult;
  std::vector<double> gradient_sum;
};

OneStep one_plain_sgd_step(const TempFolder& folder, float clip_gradients) {
  const auto problem = make_problem(folder, "max_iter: 1\niter_size: 2\n");
  proto::SolverParameter param = load_solver_config(problem.solver);
  param.set_base_lr(1);
  param.set_momentum(0);
  param.set_weight_decay(0);
  param.set_clip_gradients(clip_gradients);
  Context ctx = Context::cpu();
  Solver solver(param, ctx, quiet_solver_options(problem.solver));
  const auto before = solver.net().all_params().data();
  const std::vector<float> initial(before.begin(), before.end());
  solver.step(1);
  OneStep result;
  const auto after = solver.net().all_params().data();
  const auto diff = solver.net().all_params().diff();
  for (const ParamSlot& slot : solver.net().learnable_params()) {
    for (int64_t i = slot.offset; i < slot.offset + slot.count; ++i) {
      result.step_per_lr_mult.push_back((initial[i] - after[i]) / slot.lr_mult);
      result.gradient_sum.push_back(diff[i]);
    }
  }
  return result;
}

double norm(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

TEST(ClipGradients, ScalesTheAveragedGradientToTheThresholdNorm) {
  TempFolder folder;
  const OneStep clipped = one_plain_sgd_step(folder, 0.01f);
  // iter_size 2: the averaged gradient is half the sum; its norm is well above 0.01.
  ASSERT_GT(norm(clipped.gradient_sum) / 2, 0.1);
  EXPECT_NEAR(norm(clipped.step_per_lr_mult), 0.01, 1e-6);
  const double factor = 0.01 / norm(clipped.gradient_sum);
  for (size_t i = 0; i < clipped.gradient_sum.size(); ++i) {
    EXPECT_NEAR(clipped.step_per_lr_mult[i], clipped.gradient_sum[i] * factor, 1e-7) << i;
  }
}

TEST(ClipGradients, LeavesGradientsBelowTheThresholdAlone) {
  TempFolder folder;
  const OneStep unclipped = one_plain_sgd_step(folder, 1e6f);
  for (size_t i = 0; i < unclipped.gradient_sum.size(); ++i) {
    EXPECT_NEAR(unclipped.step_per_lr_mult[i], unclipped.gradient_sum[i] / 2, 1e-6) << i;
  }
}

}  // namespace
}  // namespace visage
