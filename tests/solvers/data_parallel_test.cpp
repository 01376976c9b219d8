// Data-parallel training over MPI on the CPU: `mpirun -np 2` ranks with batch B each against one
// process with batch 2B, resume of a 2-rank snapshot, a killed rank, and the data shards. The
// tests run real `mpirun` (Open MPI, as root where needed: --allow-run-as-root is set here only)
// and skip when Visage was built without MPI or mpirun is absent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/config.hpp"
#include "core/hdf5.hpp"
#include "layers/hdf5_data.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/run_visage.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::TempFolder;

bool mpi_available() {
  return VISAGE_WITH_MPI && std::system("command -v mpirun >/dev/null 2>&1") == 0;
}

// `visage train` under `mpirun -np ranks` (ranks 0: a plain process), with a time limit.
testing::CommandResult train(int ranks, const std::string& args) {
  const std::string launcher =
      ranks > 0 ? concat("mpirun --allow-run-as-root --oversubscribe -np ", ranks, " ") : "";
  return testing::run_command(
      concat("timeout 120 ", launcher, testing::visage_binary(), " train --device cpu ", args));
}

std::vector<float> parameters(const std::string& snapshot) {
  const hdf5::File file = hdf5::File::open(snapshot);
  std::vector<float> values = file.read_floats("data/ip/0");
  const std::vector<float> bias = file.read_floats("data/ip/1");
  values.insert(values.end(), bias.begin(), bias.end());
  return values;
}

// The tiny problem with `batch` rows per rank, solved by `solver_extra`, snapshots in `prefix`.
// `loss` replaces the softmax loss's type (and may add its parameters).
std::string write_solver(const TempFolder& folder, const std::string& name, int batch,
                         const std::string& solver_extra,
                         const std::string& loss = "\"SoftmaxWithLoss\"") {
  const testing::TrainingProblem problem = make_problem(folder, "");
  std::string net = read_file(problem.net);
  net.replace(net.find("batch_size: 4"), 13, concat("batch_size: ", batch));
  net.replace(net.find("\"SoftmaxWithLoss\""), 17, loss);
  // A hidden layer in front, so that the gradient comes in two buckets (allreduce_bucket_mb).
  net.replace(net.find("bottom: \"data\" top: \"ip\""), 26, "bottom: \"hidden\" top: \"ip\"");
  net.replace(
      net.find("layer { name: \"ip\""), 0,
      "layer { name: \"hidden\" type: \"InnerProduct\" bottom: \"data\" top: \"hidden\"\n"
      "  inner_product_param { num_output: 3 weight_filler { type: \"gaussian\" std: 0.3 } } }\n");
  testing::write_text(folder / (name + ".prototxt"), net);
  std::string solver = read_file(problem.solver);
  solver.replace(solver.find("net.prototxt"), 12, name + ".prototxt");
  solver.replace(solver.find("snap/tiny"), 9, "snap_" + name + "/tiny");
  testing::write_text(folder / ("solver_" + name + ".prototxt"), solver + solver_extra);
  return folder / ("solver_" + name + ".prototxt");
}

float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

struct Setting {
  const char* name;
  std::string solver;  // the update rule's lines
  std::string loss;    // the loss layer's type (and parameters)
};

void PrintTo(const Setting& setting, std::ostream* out) { *out << setting.name; }

class DataParallel : public ::testing::TestWithParam<Setting> {
 protected:
  void SetUp() override {
    if (!mpi_available()) GTEST_SKIP() << "skipped: built without MPI or no mpirun";
  }
};

// Two ranks of batch 4 follow one process of batch 8 step for step: the same global batches, the
// mean of the ranks' gradients equals the big batch's gradient, and the triplet loss mines the
// same triplets on the gathered global batch. The tolerance covers the order of float sums (the
// all-reduce adds two half-batch means; the single process one mean of 8).
TEST_P(DataParallel, TwoRanksMatchOneProcessWithTheGlobalBatch) {
  TempFolder folder;
  // Buckets of 8 floats: the output layer's 8 gradient values are summed while the hidden layer's
  // backward runs, its 15 after (the one-process run ignores the setting).
  const std::string extra =
      "max_iter: 8\ndisplay: 4\nallreduce_bucket_mb: 0.00003\n" + GetParam().solver;
  const std::string two = write_solver(folder, "two", 4, extra, GetParam().loss);
  const std::string one = write_solver(folder, "one", 8, extra, GetParam().loss);
  const auto ranks = train(2, "--solver " + two);
  ASSERT_EQ(ranks.exit_code, 0) << ranks.output;
  const auto single = train(0, "--solver " + one);
  ASSERT_EQ(single.exit_code, 0) << single.output;
  EXPECT_NE(ranks.output.find("(2 ranks x "), std::string::npos) << ranks.output;
  const float difference = max_difference(parameters(folder / "snap_two/tiny_iter_8.h5"),
                                          parameters(folder / "snap_one/tiny_iter_8.h5"));
  EXPECT_LT(difference, 1e-5f);
  EXPECT_GT(std::abs(parameters(folder / "snap_two/tiny_iter_8.h5")[0]), 0.0f);
}

// One rank under mpirun takes the whole data-parallel path (bucketed all-reduce, the triplet
// loss's gathered batch, the averaged outputs), each collective an identity: the plain run's
// digits, bit for bit.
TEST_P(DataParallel, OneRankUnderMpirunIsThePlainRunBitForBit) {
  TempFolder folder;
  const std::string extra =
      "max_iter: 6\ndisplay: 3\nallreduce_bucket_mb: 0.00003\n" + GetParam().solver;
  const std::string ranked = write_solver(folder, "ranked", 8, extra, GetParam().loss);
  const std::string plain = write_solver(folder, "plain", 8, extra, GetParam().loss);
  const auto one_rank = train(1, "--solver " + ranked);
  ASSERT_EQ(one_rank.exit_code, 0) << one_rank.output;
  const auto single = train(0, "--solver " + plain);
  ASSERT_EQ(single.exit_code, 0) << single.output;
  EXPECT_EQ(parameters(folder / "snap_ranked/tiny_iter_6.h5"),
            parameters(folder / "snap_plain/tiny_iter_6.h5"));
}

const std::string kTriplet = "\"TripletLoss\" triplet_loss_param { margin: 0.5 mining: SEMI_HARD }";

INSTANTIATE_TEST_SUITE_P(
    UpdateRulesAndLosses, DataParallel,
    ::testing::Values(Setting{"SgdSoftmax", "type: 'SGD'\n", "\"SoftmaxWithLoss\""},
                      Setting{"AdamSoftmax", "type: 'Adam'\n", "\"SoftmaxWithLoss\""},
                      Setting{"SgdTripletGlobalSemiHard", "type: 'SGD'\n", kTriplet}),
    [](const auto& test) { return std::string(test.param.name); });

// A 2-rank run stopped at a snapshot and resumed ends bit-identical to one that ran through.
TEST(DataParallelResume, ResumedTwoRankRunContinuesExactly) {
  if (!mpi_available()) GTEST_SKIP() << "skipped: built without MPI or no mpirun";
  TempFolder folder;
  const std::string through = write_solver(folder, "through", 4, "max_iter: 8\n");
  const std::string halves = write_solver(folder, "halves", 4, "max_iter: 8\nsnapshot: 4\n");
  ASSERT_EQ(train(2, "--solver " + through).exit_code, 0);
  ASSERT_EQ(train(2, "--solver " + halves).exit_code, 0);
  std::filesystem::remove(folder / "snap_halves/tiny_iter_8.h5");
  const auto resumed =
      train(2, "--solver " + halves + " --snapshot " + (folder / "snap_halves/tiny_iter_4.h5"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(parameters(folder / "snap_halves/tiny_iter_8.h5"),
            parameters(folder / "snap_through/tiny_iter_8.h5"));
}

// A 2-rank run in the background (a long one, displaying every 1000 iterations), and one of its
// ranks, to signal.
class RunningRanks {
 public:
  explicit RunningRanks(const TempFolder& folder)
      : solver_(write_solver(folder, "long", 4,
                             "max_iter: 100000000\ndisplay: 1000\nsnapshot_after_train: false\n")),
        log_(folder / "mpirun.txt") {
    launcher_ = fork();
    if (launcher_ == 0) {
      const std::string command =
          concat("exec mpirun --allow-run-as-root --oversubscribe -np 2 ", testing::visage_binary(),
                 " train --device cpu --solver ", solver_, " >", log_, " 2>&1");
      execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
      _exit(127);
    }
  }
  ~RunningRanks() {
    if (!ended_ && launcher_ > 0) {
      kill(launcher_, SIGKILL);
      waitpid(launcher_, nullptr, 0);
    }
  }
  RunningRanks(const RunningRanks&) = delete;
  RunningRanks& operator=(const RunningRanks&) = delete;

  // The pid of the last rank, once the run trains (0 if it never does within 30 s).
  pid_t a_training_rank() const {
    for (int tries = 0; tries < 300; ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (read_file(log_).find("iter 0/") == std::string::npos) continue;
      FILE* children =
          popen(concat("pgrep -P ", launcher_, " -f 'visage train' | tail -1").c_str(), "r");
      pid_t rank = 0;
      if (children != nullptr && std::fscanf(children, "%d", &rank) != 1) rank = 0;
      if (children != nullptr) pclose(children);
      if (rank > 0) return rank;
    }
    return 0;
  }
  // Whether mpirun ended within `limit`; its wait status in `status`.
  bool ends_within(std::chrono::seconds limit, int& status) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < limit) {
      if (waitpid(launcher_, &status, WNOHANG) == launcher_) return ended_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  std::string log() const { return read_file(log_); }

 private:
  std::string solver_;
  std::string log_;
  pid_t launcher_ = -1;
  bool ended_ = false;
};

// A rank killed mid-run ends the whole run, with mpirun naming the rank and the signal, within a
// bounded time: no rank is left waiting in a collective.
TEST(DataParallelFailure, AKilledRankEndsTheRun) {
  if (!mpi_available()) GTEST_SKIP() << "skipped: built without MPI or no mpirun";
  TempFolder folder;
  RunningRanks run(folder);
  const pid_t victim = run.a_training_rank();
  ASSERT_GT(victim, 0) << run.log();
  kill(victim, SIGKILL);
  int status = 0;
  ASSERT_TRUE(run.ends_within(std::chrono::seconds(60), status))
      << "the run did not end within 60 s of a rank's death:\n"
      << run.log();
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(run.log().find("exited on signal 9"), std::string::npos) << run.log();
}

// SIGTERM to one rank stops every rank after the same iteration, with one snapshot written by
// rank 0 that says where to continue.
TEST(DataParallelFailure, SigtermToOneRankStopsAllWithOneSnapshot) {
  if (!mpi_available()) GTEST_SKIP() << "skipped: built without MPI or no mpirun";
  TempFolder folder;
  RunningRanks run(folder);
  const pid_t rank = run.a_training_rank();
  ASSERT_GT(rank, 0) << run.log();
  kill(rank, SIGTERM);
  int status = 0;
  ASSERT_TRUE(run.ends_within(std::chrono::seconds(60), status)) << run.log();
  const std::string log = run.log();
  // Rank 0's stderr line says where to continue (its stdout may interleave with it).
  const std::string marker = "(continue with --snapshot ";
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  const std::string snapshot =
      log.substr(at + marker.size(), log.find(')', at) - at - marker.size());
  EXPECT_TRUE(std::filesystem::exists(snapshot)) << log;
  int snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder / "snap_long")) {
    snapshots += entry.path().extension() == ".h5";
  }
  EXPECT_EQ(snapshots, 1) << log;
}

// A stand-in for MPI with a fixed position, for the data layers' sharding.
class Position final : public Communicator {
 public:
  Position(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override { return "test position"; }
  void all_reduce_sum(std::span<float>) override {}
  void all_reduce_sum(std::span<double>) override {}
  bool any(bool value) override { return value; }
  void broadcast(std::span<std::byte>, int) override {}
  void all_gather(std::span<const float>, std::span<float>) override {}
  void abort_all(int status) override { std::_Exit(status); }

 private:
  int rank_;
  int size_;
};

// The labels HDF5Data gives over `batches` batches of `batch` rows at this position.
std::vector<float> rows_seen(const testing::TrainingProblem& problem, int batch, int rank, int size,
                             int batches) {
  proto::LayerParameter lp;
  lp.set_name("data");
  lp.set_type("HDF5Data");
  lp.add_top("data");
  lp.add_top("label");
  lp.mutable_hdf5_data_param()->set_source(problem.list);
  lp.mutable_hdf5_data_param()->set_batch_size(batch);
  lp.mutable_hdf5_data_param()->set_shuffle(true);
  Context ctx = Context::cpu(5);
  if (size > 1) ctx.join(std::make_shared<Position>(rank, size));
  HDF5DataLayer layer(lp);
  Tensor data, label;
  std::vector<Tensor*> tops{&data, &label};
  layer.setup(ctx, {}, tops);
  std::vector<float> seen;
  for (int b = 0; b < batches; ++b) {
    layer.forward(ctx, {}, tops);
    // data's first feature identifies the row (labels repeat).
    for (int r = 0; r < batch; ++r) seen.push_back(data.data()[static_cast<size_t>(r) * 4]);
  }
  return seen;
}

// Each rank's slices are disjoint, and together, batch by batch, they are exactly the batches
// of one process with the global batch: every row of the dataset, in the same order.
TEST(DataParallelShards, HDF5DataSlicesAreDisjointAndCoverTheGlobalBatches) {
  TempFolder folder;
  const testing::TrainingProblem problem = make_problem(folder, "");
  const std::vector<float> global = rows_seen(problem, 8, 0, 1, 6);  // 48 rows: two passes
  const std::vector<float> first = rows_seen(problem, 4, 0, 2, 6);
  const std::vector<float> second = rows_seen(problem, 4, 1, 2, 6);
  std::vector<float> merged;
  for (int b = 0; b < 6; ++b) {
    merged.insert(merged.end(), first.begin() + 4 * b, first.begin() + 4 * (b + 1));
    merged.insert(merged.end(), second.begin() + 4 * b, second.begin() + 4 * (b + 1));
  }
  EXPECT_EQ(merged, global);
  std::vector<float> one_pass(global.begin(), global.begin() + 24);
  std::ranges::sort(one_pass);
  EXPECT_EQ(std::ranges::adjacent_find(one_pass), one_pass.end()) << "a row came twice in a pass";
}

}  // namespace
}  // namespace visage
