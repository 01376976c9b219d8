#include "solvers/solver.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config.hpp"
#include "solvers/snapshot.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"
#include "tests/support/same_bytes.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::quiet_solver_options;
using testing::same_bytes;
using testing::TempFolder;

TEST(Solver, TrainsASeparableProblemToLowLoss) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 60\naverage_loss: 6\n");
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, quiet_solver_options(problem.solver));
  solver.step(1);
  const double initial = solver.smoothed_loss();
  EXPECT_GT(initial, 0.3);  // about ln 2 for small random weights
  solver.step(59);
  EXPECT_EQ(solver.iter(), 60);
  EXPECT_LT(solver.smoothed_loss(), 0.05) << "initial loss " << initial;
}

TEST(Solver, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 12\niter_size: 2\naverage_loss: 4\n");
  const auto param = load_solver_config(problem.solver);

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
  EXPECT_EQ(snapshot, (folder / "snap/tiny") + "_iter_6.h5");
  Context resumed_ctx = Context::cpu(99);  // a different seed: everything must come from the file
  Solver resumed(param, resumed_ctx, quiet_solver_options(problem.solver));
  resumed.restore(snapshot);
  EXPECT_EQ(resumed.iter(), 6);
  resumed.step(6);

  EXPECT_TRUE(same_bytes(straight.net().all_params().data(), resumed.net().all_params().data()));
  EXPECT_TRUE(same_bytes(straight.update_rule().history("momentum").data(),
                         resumed.update_rule().history("momentum").data()));
  EXPECT_EQ(straight.smoothed_loss(), resumed.smoothed_loss());
  EXPECT_EQ(straight_ctx.rng().state(), resumed_ctx.rng().state());
  // The run moved the weights at all (the comparison is not between two untouched nets).
  Context fresh_ctx = Context::cpu();
  Solver fresh(param, fresh_ctx, quiet_solver_options(problem.solver));
  EXPECT_FALSE(same_bytes(fresh.net().all_params().data(), straight.net().all_params().data()));
}

TEST(Solver, SolveSnapshotsTestsAndLogsJsonLines) {
  TempFolder folder;
  const auto problem = make_problem(
      folder, "max_iter: 10\nsnapshot: 4\ndisplay: 5\ntest_iter: 3\ntest_interval: 5\n");
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, quiet_solver_options(problem.solver));
  ASSERT_EQ(solver.test_nets().size(), 1u);
  EXPECT_EQ(solver.solve(), SolveOutcome::finished);
  for (int i : {4, 8, 10}) {
    EXPECT_TRUE(std::filesystem::exists(snapshot_path(folder / "snap/tiny", i))) << i;
  }
  std::ifstream log(folder / "snap/tiny_log.jsonl");
  std::string line;
  int train = 0;
  int test = 0;
  while (std::getline(log, line)) {
    if (line.find("{\"type\":\"train\",\"iter\":5,\"max_iter\":10,\"loss\":") == 0) ++train;
    if (line.find("{\"type\":\"test\",\"iter\":10,\"net\":0,\"outputs\":{\"loss\":") == 0) ++test;
  }
  EXPECT_EQ(train, 1);
  EXPECT_EQ(test, 1);
}

TEST(Solver, ProgressShowsTheTrainNetsNonLossOutputs) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 30\ndisplay: 10\n");
  testing::write_text(problem.net,
                      read_file(problem.net) +
                          R"(layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label"
                                     top: "accuracy" include { phase: TRAIN } })");
  std::ostringstream screen;
  SolverOptions options = quiet_solver_options(problem.solver);
  options.out = &screen;
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, options);
  solver.solve();
  // The separable problem is learnt within 20 iterations: the last line shows full accuracy.
  EXPECT_NE(screen.str().find("iter 20/30"), std::string::npos) << screen.str();
  EXPECT_NE(screen.str().find("accuracy 1\n"), std::string::npos) << screen.str();
  std::ifstream log(folder / "snap/tiny_log.jsonl");
  const std::string json((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find(",\"outputs\":{\"accuracy\":1}}"), std::string::npos) << json;
}

TEST(Solver, NonFiniteLossStopsWithTheCulpritAndNoSnapshot) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 10\nsnapshot: 1\n", false);
  {
    hdf5::File file = hdf5::File::create(folder / "part0.h5");
    std::vector<float> data(12 * 4, 1.0f);
    data[5] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> label(12, 0.0f);
    file.write("data", std::span<const float>(data), {12, 4});
    file.write("label", std::span<const float>(label), {12});
    file.close();
  }
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, quiet_solver_options(problem.solver));
  try {
    solver.step(3);
    FAIL() << "expected the non-finite loss to stop training";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("training stopped at iteration 0: the loss is nan"), std::string::npos)
        << message;
    EXPECT_NE(message.find("top 'data' of layer 'data' (HDF5Data)"), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(snapshot_path(folder / "snap/tiny", 1)));
}

TEST(Solver, RejectsAmbiguousNetSources) {
  proto::SolverParameter param = parse_solver_config(
      "net: 'a.prototxt' train_net: 'b.prototxt' base_lr: 1 lr_policy: 'fixed'");
  Context ctx = Context::cpu();
  EXPECT_THROW(Solver(param, ctx, quiet_solver_options("")), Error);
}

}  // namespace
}  // namespace visage
