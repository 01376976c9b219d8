// A NaN that reaches the loss in the middle of a run: training stops naming the first layer that
// produced it and the last good snapshot, which stays intact and resumable.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "core/config.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::TempFolder;

TEST(NonFinite, MidRunNanKeepsTheLastGoodSnapshotIntact) {
  TempFolder folder;
  // Unshuffled batches of 4: row 5 of part0 is in the second batch, so iteration 0 is clean,
  // snapshots (snapshot: 1), and iteration 1 meets the NaN.
  const auto problem = make_problem(folder, "max_iter: 10\nsnapshot: 1\n", false);
  {
    std::vector<float> data(12 * 4, 1.0f);
    data[5 * 4 + 2] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> label(12, 0.0f);
    hdf5::File file = hdf5::File::create(folder / "part0.h5");
    file.write("data", std::span<const float>(data), {12, 4});
    file.write("label", std::span<const float>(label), {12});
    file.close();
  }
  const auto param = load_solver_config(problem.solver);
  SolverOptions options;
  options.solver_path = problem.solver;
  options.out = nullptr;
  const std::string good = snapshot_path(folder / "snap/tiny", 1);
  {
    Context ctx = Context::cpu();
    Solver solver(param, ctx, options);
    try {
      solver.step(3);
      FAIL() << "expected the NaN to stop training";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("training stopped at iteration 1: the loss is nan"), std::string::npos)
          << message;
      EXPECT_NE(message.find("top 'data' of layer 'data' (HDF5Data)"), std::string::npos)
          << message;
      EXPECT_NE(message.find("the last good one is " + good), std::string::npos) << message;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(snapshot_path(folder / "snap/tiny", 2)));
  Context ctx = Context::cpu();
  Solver resumed(param, ctx, options);
  resumed.restore(good);
  EXPECT_EQ(resumed.iter(), 1);
}

}  // namespace
}  // namespace visage
