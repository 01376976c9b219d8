#include "solvers/snapshot.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "core/config.hpp"
#include "core/file_seal.hpp"
#include "core/hdf5_atomic.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::quiet_solver_options;
using testing::TempFolder;

std::string restore_error(const proto::SolverParameter& param, const std::string& solver_path,
                          const std::string& snapshot) {
  Context ctx = Context::cpu();
  Solver solver(param, ctx, quiet_solver_options(solver_path));
  try {
    solver.restore(snapshot);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::string> leftovers(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().filename().string().find(".tmp") != std::string::npos) {
      names.push_back(entry.path().string());
    }
  }
  return names;
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    problem_ = make_problem(folder_, "max_iter: 4\n");
    param_ = load_solver_config(problem_.solver);
    Solver solver(param_, ctx_, quiet_solver_options(problem_.solver));
    solver.step(2);
    snapshot_ = solver.snapshot();
  }

  TempFolder folder_;
  testing::TrainingProblem problem_;
  proto::SolverParameter param_;
  Context ctx_ = Context::cpu();
  std::string snapshot_;
};

TEST_F(SnapshotTest, HoldsCaffeLayoutWeightsAndAttributes) {
  const hdf5::File file = open_snapshot(snapshot_);
  EXPECT_EQ(file.shape_of("data/ip/0"), (Shape{2, 4}));
  EXPECT_EQ(file.shape_of("data/ip/1"), (Shape{2}));
  EXPECT_EQ(file.string_attribute("net_name"), "tiny");
  EXPECT_EQ(file.int_attribute("format_version"), kSnapshotFormatVersion);
  EXPECT_EQ(file.open_group("solver").int_attribute("iteration"), 2);
  EXPECT_TRUE(file.contains("state/train/data"));
}

TEST_F(SnapshotTest, TruncatedCopyIsRejectedNamingTheFile) {
  const std::string truncated = folder_ / "truncated.h5";
  std::filesystem::copy_file(snapshot_, truncated);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(snapshot_) * 2 / 3);
  const std::string message = restore_error(param_, problem_.solver, truncated);
  EXPECT_EQ(message.rfind(truncated + ": ", 0), 0u) << message;
}

TEST_F(SnapshotTest, NonHdf5AndForeignFilesAreRejected) {
  testing::write_text(folder_ / "junk.h5", "definitely not HDF5");
  EXPECT_EQ(restore_error(param_, problem_.solver, folder_ / "junk.h5"),
            folder_ / "junk.h5" + ": not an HDF5 file");
  {
    hdf5::File foreign = hdf5::File::create(folder_ / "foreign.h5");
    foreign.write("data/ip/0", std::span<const float>(std::vector<float>(8, 0.5f)), {2, 4});
    foreign.write("data/ip/1", std::span<const float>(std::vector<float>(2, 0.25f)), {2});
    foreign.close();
  }
  const std::string message = restore_error(param_, problem_.solver, folder_ / "foreign.h5");
  EXPECT_NE(message.find("not a Visage snapshot"), std::string::npos) << message;
  // ...but Caffe-layout weights load for fine-tuning, layers matched by name.
  Context ctx = Context::cpu();
  Solver solver(param_, ctx, quiet_solver_options(problem_.solver));
  const WeightsReport report = load_weights(solver.net(), folder_ / "foreign.h5");
  EXPECT_EQ(report.layers_loaded, 1);
  EXPECT_EQ(solver.net().layer(1).params()[0]->data()[3], 0.5f);
  EXPECT_EQ(solver.net().layer(1).params()[1]->data()[1], 0.25f);
}

// Format 1 kept the data layers' positions in text formats of their own: such a snapshot cannot
// resume exactly and says so, naming the way out; its weights still load.
// Any changed byte, in the seal or in HDF5's data, is refused before a value is read; an intact
// copy still resumes.
TEST_F(SnapshotTest, EveryFlippedByteIsRefusedByTheChecksum) {
  const auto size = static_cast<std::streamoff>(std::filesystem::file_size(snapshot_));
  for (std::streamoff at = 3; at < size; at += size / 97) {
    const std::string copy = folder_ / "flipped.h5";
    std::filesystem::copy_file(snapshot_, copy, std::filesystem::copy_options::overwrite_existing);
    {
      std::fstream file(copy, std::ios::binary | std::ios::in | std::ios::out);
      file.seekg(at);
      const char byte = static_cast<char>(file.get() ^ 0x10);
      file.seekp(at);
      file.put(byte);
    }
    const std::string message = restore_error(param_, problem_.solver, copy);
    EXPECT_EQ(message.rfind(copy + ": damaged", 0), 0u) << "byte " << at << ": " << message;
  }
  EXPECT_EQ(restore_error(param_, problem_.solver, snapshot_), "(no error)");
}

TEST_F(SnapshotTest, MissingLayerStatesRefuseToResumeAndNameTheWayOut) {
  const std::string stateless = folder_ / "stateless.h5";
  hdf5::write_atomically(stateless, [&](hdf5::File& file) { file.require_group("data"); });
  Context ctx = Context::cpu();
  Solver solver(param_, ctx, quiet_solver_options(problem_.solver));
  const hdf5::File file = hdf5::File::open(stateless);
  std::string message = "(no error)";
  try {
    read_layer_states(file, "train", solver.net());
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_EQ(message.rfind(stateless + ":/state/train: the snapshot has no layer states", 0), 0u)
      << message;
  EXPECT_NE(message.find("--weights"), std::string::npos) << message;
}

TEST_F(SnapshotTest, NonFiniteWeightsAreBlamedOnTheFileNotTheLearningRate) {
  const std::string diverged = folder_ / "diverged.h5";
  hdf5::write_atomically(diverged, [](hdf5::File& file) {
    std::vector<float> weights(8, 0.5f);
    weights[5] = std::numeric_limits<float>::quiet_NaN();
    file.write("data/ip/0", std::span<const float>(weights), {2, 4});
    file.write("data/ip/1", std::span<const float>(std::vector<float>(2, 0.0f)), {2});
  });
  Context ctx = Context::cpu();
  Solver solver(param_, ctx, quiet_solver_options(problem_.solver));
  std::string message = "(no error)";
  try {
    load_weights(solver.net(), diverged);
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_EQ(message, diverged +
                         ":/data/ip/0: value 5 is nan: the file was written after training "
                         "had diverged; use an earlier snapshot");
}

// HDF5 stores no modification times in our files, so the same run writes the same bytes (and the
// same checksum) whenever it runs.
TEST(SnapshotHousekeeping, TheSameRunWritesTheSameBytes) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 2\n");
  std::vector<std::string> snapshots;
  for (const std::string prefix : {"first/tiny", "second/tiny"}) {
    proto::SolverParameter param = load_solver_config(problem.solver);
    param.set_snapshot_prefix(prefix);
    Context ctx = Context::cpu();
    Solver solver(param, ctx, quiet_solver_options(problem.solver));
    solver.step(2);
    snapshots.push_back(solver.snapshot());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a new second on the clock
  }
  EXPECT_EQ(read_file(snapshots[0]), read_file(snapshots[1]));
}

TEST(SnapshotHousekeeping, SnapshotKeepLeavesOnlyTheNewest) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 5\nsnapshot: 1\nsnapshot_keep: 2\n");
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, quiet_solver_options(problem.solver));
  solver.solve();
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(folder / "snap")) {
    if (entry.path().extension() == ".h5") left.push_back(entry.path().filename().string());
  }
  std::ranges::sort(left);
  EXPECT_EQ(left, (std::vector<std::string>{"tiny_iter_4.h5", "tiny_iter_5.h5"}));
}

// A killed run leaves its temporary file behind; the next run removes it, but never the
// temporary file of a writer that is still running.
TEST(SnapshotHousekeeping, TemporariesOfDeadWritersAreRemovedAtStart) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 1\nsnapshot_after_train: false\n");
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // `child` is now the pid of a process that no longer runs
  const std::string dead = folder / concat("snap/.tiny_iter_2.h5.", child, ".tmp");
  const std::string live = folder / concat("snap/.tiny_iter_2.h5.", getppid(), ".tmp");
  testing::write_text(dead, "partial");
  testing::write_text(live, "partial");
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, quiet_solver_options(problem.solver));
  solver.solve();
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
}

TEST(SnapshotHousekeeping, UnwritableSnapshotFolderAndBinaryprotoAreRefusedAtStart) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 1\n");
  const auto start_error = [&](const std::string& extra) {
    proto::SolverParameter param = load_solver_config(problem.solver);
    param.MergeFrom(parse_solver_config(extra));
    Context ctx = Context::cpu();
    try {
      Solver solver(param, ctx, quiet_solver_options(problem.solver));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string unwritable = start_error("snapshot_prefix: '/proc/visage/snap'");
  EXPECT_NE(unwritable.find(": snapshot_prefix /proc/visage/snap: cannot create the folder "
                            "/proc/visage"),
            std::string::npos)
      << unwritable;
  const std::string binaryproto = start_error("snapshot_format: BINARYPROTO");
  EXPECT_NE(binaryproto.find("snapshot_format: BINARYPROTO is not written by Visage"),
            std::string::npos)
      << binaryproto;
}

TEST_F(SnapshotTest, FormatOneSnapshotGivesWeightsButDoesNotResume) {
  hdf5::File::open(snapshot_, hdf5::File::Mode::read_write)
      .set_attribute("format_version", int64_t{1});
  hdf5::seal_file(snapshot_);  // the edit changed the checksummed bytes
  const std::string message = restore_error(param_, problem_.solver, snapshot_);
  EXPECT_NE(message.find(snapshot_ + ": snapshot format 1 keeps the data layers' positions in an "
                                     "older encoding"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("--weights"), std::string::npos) << message;
  Context ctx = Context::cpu();
  Solver solver(param_, ctx, quiet_solver_options(problem_.solver));
  EXPECT_EQ(load_weights(solver.net(), snapshot_).layers_loaded, 1);
}

TEST_F(SnapshotTest, DifferentShapesFailAndAChangedConfigWarns) {
  // A net with 3 outputs: the config hash differs (a warning) and the shapes too (an error).
  const std::string other = folder_ / "other.prototxt";
  std::string text = read_file(problem_.net);
  text.replace(text.find("num_output: 2"), 13, "num_output: 3");
  testing::write_text(other, text);
  proto::SolverParameter param = param_;
  param.set_net("other.prototxt");
  const std::string message = restore_error(param, problem_.solver, snapshot_);
  EXPECT_NE(message.find(snapshot_ + ":/data/ip/0: shape (2 x 4) does not match"),
            std::string::npos)
      << message;

  // A change that keeps every shape: the run resumes, with a warning.
  text = read_file(problem_.net);
  text.replace(text.find("std: 0.1"), 8, "std: 0.2");
  testing::write_text(other, text);
  std::ostringstream out;
  SolverOptions options = quiet_solver_options(problem_.solver);
  options.out = &out;
  options.progress_log = "-";
  Context ctx = Context::cpu();
  Solver solver(param, ctx, options);
  solver.restore(snapshot_);
  EXPECT_NE(
      out.str().find("warning: " + snapshot_ + " was written for net 'tiny' with config hash"),
      std::string::npos)
      << out.str();
}

TEST_F(SnapshotTest, FailedRenameLeavesThePreviousSnapshotAndNoTemporaryFile) {
  Solver solver(param_, ctx_, quiet_solver_options(problem_.solver));
  solver.restore(snapshot_);
  solver.step(1);
  // The target name is taken by a non-empty folder, so the final rename fails.
  const std::string blocked = snapshot_path(folder_ / "snap/tiny", 3);
  std::filesystem::create_directories(blocked + "/x");
  try {
    solver.snapshot();
    FAIL() << "expected the snapshot to fail";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("cannot write " + blocked + ": cannot rename", 0), 0u) << message;
    EXPECT_NE(message.find("the partial file was removed"), std::string::npos) << message;
  }
  EXPECT_TRUE(leftovers(folder_.path() / "snap").empty());
  Context ctx = Context::cpu();
  Solver again(param_, ctx, quiet_solver_options(problem_.solver));
  again.restore(snapshot_);
  EXPECT_EQ(again.iter(), 2);
}

// A full disk, simulated with a file-size limit in a child process: the write fails inside HDF5,
// the error says so, the temporary file is gone and the existing file at the target is untouched.
TEST_F(SnapshotTest, DiskFullDuringWriteLeavesTheExistingFileIntact) {
  const auto before = read_file(snapshot_);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      hdf5::write_atomically(snapshot_, [](hdf5::File& file) {
        const std::vector<float> big(100000, 1.0f);
        file.write("big", std::span<const float>(big), {100000});
      });
      _exit(3);
    } catch (const Error& e) {
      const std::string message = e.what();
      _exit(message.find("the partial file was removed") != std::string::npos ? 0 : 4);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(read_file(snapshot_), before);
  EXPECT_TRUE(leftovers(folder_.path() / "snap").empty());
}

}  // namespace
}  // namespace visage
