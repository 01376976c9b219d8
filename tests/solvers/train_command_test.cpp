// `visage train` and `visage test` through the real binary (VISAGE_BIN): SIGINT mid-run gives exit
// code 130 and a snapshot that loads, and the snapshot evaluates with `visage test`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

#include "core/config.hpp"
#include "core/device_api.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/text_file.hpp"

namespace visage {
namespace {

using testing::TempFolder;

// `bin args...` run with stdout and stderr to files. A child still running when the object goes
// (a failed assertion, a timeout) is killed and reaped, so a hung `visage` never outlives the test.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& out, const std::string& err)
      : pid_(fork()) {
    if (pid_ == 0) {
      freopen(out.c_str(), "w", stdout);
      freopen(err.c_str(), "w", stderr);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~ChildProcess() { kill_and_reap(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  void signal(int number) const { kill(pid_, number); }

  // The wait status once the child has exited; nullopt if it is still running after `timeout`,
  // and then it has been killed.
  std::optional<int> wait(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      int status = 0;
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        status_ = status;
      } else if (done < 0 || std::chrono::steady_clock::now() >= deadline) {
        kill_and_reap();
        return std::nullopt;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return status_;
  }

 private:
  bool running() const { return started() && !status_ && !killed_; }
  void kill_and_reap() {
    if (!running()) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    killed_ = true;
  }

  pid_t pid_;
  std::optional<int> status_;
  bool killed_ = false;
};

// Long enough for a loaded machine; a child that takes longer has hung.
constexpr std::chrono::seconds kExitTimeout{120};

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
  ChildProcess train({bin, "train", "--solver", problem.solver, "--device", "cpu"},
                     folder / "out.txt", folder / "err.txt");
  ASSERT_TRUE(train.started());
  // Wait until training is under way (a few progress lines), then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = testing::read_text(log);
    if (std::count(text.begin(), text.end(), '\n') >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  train.signal(SIGINT);
  const std::optional<int> status = train.wait(kExitTimeout);
  const std::string err = read_file(folder / "err.txt");
  ASSERT_TRUE(status) << "visage train did not exit within " << kExitTimeout.count()
                      << " s of SIGINT; killed it. stderr:\n"
                      << err;
  ASSERT_TRUE(WIFEXITED(*status)) << err;
  EXPECT_EQ(WEXITSTATUS(*status), 130) << err;
  const auto at = err.find("; snapshot: ");
  ASSERT_NE(at, std::string::npos) << err;
  const std::string snapshot = err.substr(at + 12, err.find(' ', at + 12) - at - 12);
  EXPECT_EQ(snapshot.rfind(folder / "snap/tiny_iter_", 0), 0u) << snapshot;

  SolverOptions options = testing::quiet_solver_options(problem.solver);
  options.progress_log = "-";
  Context ctx = Context::cpu();
  Solver resumed(load_solver_config(problem.solver), ctx, options);
  resumed.restore(snapshot);
  EXPECT_GE(resumed.iter(), 3);

  // The same snapshot evaluates with `visage test`.
  ChildProcess test({bin, "test", "--model", problem.net, "--weights", snapshot, "--iterations",
                     "3", "--device", "cpu"},
                    folder / "test_out.txt", folder / "test_err.txt");
  ASSERT_TRUE(test.started());
  const std::optional<int> test_status = test.wait(kExitTimeout);
  ASSERT_TRUE(test_status) << "visage test did not exit within " << kExitTimeout.count()
                           << " s; killed it. stderr:\n"
                           << read_file(folder / "test_err.txt");
  EXPECT_TRUE(WIFEXITED(*test_status) && WEXITSTATUS(*test_status) == 0)
      << read_file(folder / "test_err.txt");
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

// A progress log that cannot be written (a full disk: /dev/full) does not stop training, but the
// user is told at once and the exit status says so; the snapshot is still written.
TEST(TrainCommand, AnUnwritableProgressLogIsReportedAndFailsTheExitStatus) {
  TempFolder folder;
  const auto problem = testing::make_problem(folder, "max_iter: 2\n");
  const auto result =
      testing::run_visage("train --device cpu --log /dev/full --solver " + problem.solver);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("warning: cannot write /dev/full: No space left on device; "
                               "training goes on"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("visage train: part of the progress was not written"),
            std::string::npos)
      << result.output;
  EXPECT_TRUE(std::filesystem::exists(folder / "snap/tiny_iter_2.h5")) << result.output;
}

TEST(TrainCommand, GpusWithoutAGpuSaysSo) {
  if (device::count() > 0) GTEST_SKIP() << "this machine has a GPU";
  TempFolder folder;
  const auto problem = testing::make_problem(folder, "max_iter: 1\n");
  const auto result = testing::run_visage("train --gpus 0,1 --solver " + problem.solver);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("--gpus 0,1: this machine has no GPU that Visage can use"),
            std::string::npos)
      << result.output;
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
