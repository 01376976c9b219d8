// `visage train` and `visage test` through the real binary (VISAGE_BIN): SIGINT mid-run gives exit
// code 130 and a snapshot that loads, and the snapshot evaluates with `visage test`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/config.hpp"
#include "core/device_api.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/run_visage.hpp"

namespace visage {
namespace {

using testing::TempFolder;

// Runs `bin args...` with stdout and stderr to files; returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    freopen(err.c_str(), "w", stderr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

bool binary_has_train(const std::string& bin) {
  const std::string command = bin + " train --help > /dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

TEST(TrainCommand, SigintSnapshotsAndExitsWith130) {
  const std::string binary = testing::visage_binary();
  const char* bin = binary.c_str();
  ASSERT_TRUE(binary_has_train(bin)) << binary << " has no train command";
  TempFolder folder;
  const auto problem = testing::make_problem(folder, "max_iter: 100000000\ndisplay: 1\n");
  const std::string log = folder / "snap/tiny_log.jsonl";
  const pid_t pid = spawn({bin, "train", "--solver", problem.solver, "--device", "cpu"},
                          folder / "out.txt", folder / "err.txt");
  ASSERT_GT(pid, 0);
  // Wait until training is under way (a few progress lines), then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::count(text.begin(), text.end(), '\n') >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  const std::string err = read_file(folder / "err.txt");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 130) << err;
  const auto at = err.find("; snapshot: ");
  ASSERT_NE(at, std::string::npos) << err;
  const std::string snapshot = err.substr(at + 12, err.find(' ', at + 12) - at - 12);
  EXPECT_EQ(snapshot.rfind(folder / "snap/tiny_iter_", 0), 0u) << snapshot;

  SolverOptions options;
  options.solver_path = problem.solver;
  options.out = nullptr;
  options.progress_log = "-";
  Context ctx = Context::cpu();
  Solver resumed(load_solver_config(problem.solver), ctx, options);
  resumed.restore(snapshot);
  EXPECT_GE(resumed.iter(), 3);

  // The same snapshot evaluates with `visage test`.
  const pid_t test = spawn({bin, "test", "--model", problem.net, "--weights", snapshot,
                            "--iterations", "3", "--device", "cpu"},
                           folder / "test_out.txt", folder / "test_err.txt");
  ASSERT_EQ(waitpid(test, &status, 0), test);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(folder / "test_err.txt");
  EXPECT_NE(read_file(folder / "test_out.txt").find("  loss = "), std::string::npos);
}

TEST(TrainCommand, RefusesAnAbsentGpuAndOffersTheCpu) {
  if (device::count() > 0) GTEST_SKIP() << "this machine has a GPU";
  TempFolder folder;
  const auto problem = testing::make_problem(folder, "max_iter: 1\nsolver_mode: GPU\n");
  const auto result = testing::run_visage("train --solver " + problem.solver);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("solver_mode: GPU asks for a GPU, but this machine has none"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("--device cpu"), std::string::npos) << result.output;
}

TEST(TrainCommand, AMissingDatasetIsNamedWithHowToMakeOne) {
  TempFolder folder;
  testing::write_text(folder / "net.prototxt", R"(name: "faces"
layer { name: "data" type: "FaceData" top: "data" top: "label"
        face_data_param { source: "no/such/faces" batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)");
  testing::write_text(folder / "solver.prototxt",
                      "net: \"net.prototxt\"\nbase_lr: 0.1\nlr_policy: \"fixed\"\nmax_iter: 1\n");
  const auto result =
      testing::run_visage("train --device cpu --solver " + (folder / "solver.prototxt"));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("net.prototxt:2: layer 'data' (FaceData): the dataset "
                               "'no/such/faces' does not exist"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("visage synth --identities 2000 --per-identity 40 --out "
                               "no/such/faces"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace visage
