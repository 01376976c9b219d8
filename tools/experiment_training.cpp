#include "tools/experiment_training.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>

#include "core/config.hpp"
#include "core/error.hpp"
#include "solvers/progress.hpp"
#include "solvers/snapshot.hpp"
#include "tools/external_program.hpp"
#include "tools/stop_signals.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

fs::path snapshot_prefix(const fs::path& runs, const std::string& run_id) {
  return fs::absolute(run_folder(runs, run_id) / "snapshot");
}

// The latest snapshot before the final one, from which an interrupted run resumes.
std::optional<fs::path> latest_snapshot(const fs::path& folder, int64_t max_iter) {
  const std::regex name("snapshot_iter_([0-9]{1,18})\\.h5");
  std::optional<fs::path> latest;
  int64_t latest_iter = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::smatch match;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, match, name)) continue;
    const int64_t iter = std::stoll(match[1]);
    if (iter < max_iter && iter > latest_iter) {
      latest_iter = iter;
      latest = entry.path();
    }
  }
  return latest;
}

void add_training_seconds(const fs::path& runs, const std::string& run_id, double seconds) {
  const double before = training_seconds(runs, run_id);
  write_file((run_folder(runs, run_id) / "training_seconds").string(),
             concat(before + seconds, "\n"));
}

// An exclusive lock on a run folder for as long as this process trains it, so that two
// `visage experiment` commands sharing a runs folder never train one run at once.
class RunLock {
 public:
  explicit RunLock(const fs::path& folder) {
    const fs::path file = folder / "lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    VISAGE_CHECK(fd_ >= 0, file.string(), ": cannot open (", std::strerror(errno), ")");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fail(folder.string(), " is being trained by another process (it holds ", file.string(),
           "); wait for it, or give this command another --runs folder");
    }
  }
  ~RunLock() { ::close(fd_); }  // closing releases the lock
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// One run from start (or its latest snapshot) to its final weights.
class Training {
 public:
  Training(const TrainingRun& run, const TrainingOptions& options)
      : run_(run), options_(options), folder_(run_folder(options.runs, run.run_id)) {}

  // Starts `visage train`; false when the run turned out to be trained already.
  bool start() {
    fs::create_directories(folder_);
    lock_ = std::make_unique<RunLock>(folder_);
    // Another command may have finished the run while this one waited for its turn.
    std::error_code ec;
    if (fs::exists(final_weights(options_.runs, run_.run_id, run_.solver.max_iter()), ec)) {
      std::cout << "experiment: " << run_.label << " is trained (run " << run_.run_id << ")"
                << std::endl;
      return false;
    }
    proto::SolverParameter solver = run_.solver;
    solver.set_snapshot_prefix(snapshot_prefix(options_.runs, run_.run_id).string());
    solver.set_snapshot_after_train(true);
    const fs::path solver_file = folder_ / "solver.prototxt";
    write_text_proto(solver, solver_file.string());

    std::vector<std::string> argv = {options_.visage.string(),
                                     "train",
                                     "--solver",
                                     solver_file.string(),
                                     "--device",
                                     options_.device,
                                     "--conv-algorithms",
                                     options_.conv_algorithms};
    const auto resume = latest_snapshot(folder_, solver.max_iter());
    if (resume) argv.insert(argv.end(), {"--snapshot", resume->string()});
    fs::path output;
    std::vector<std::string> environment;
    if (options_.jobs > 1) {
      output = folder_ / "train.out";
      const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      environment.push_back(concat("OPENBLAS_NUM_THREADS=", std::max(1, cores / options_.jobs)));
    }
    std::cout << "experiment: training " << run_.label << " (run " << run_.run_id << ", "
              << solver.max_iter() << " iterations"
              << (resume ? concat(", resuming from ", resume->filename().string()) : "")
              << (output.empty() ? "" : concat("; output: ", output.string())) << ")" << std::endl;
    started_ = std::chrono::steady_clock::now();
    child_ = std::make_unique<ChildProcess>(argv, output, environment);
    return true;
  }

  // The exit status once the process has ended.
  std::optional<int> poll() { return child_->poll(); }
  // Asks the training to snapshot and stop (SIGTERM; the child resets each signal's handler
  // separately, so this is safe after a Ctrl-C it also received).
  void stop() {
    child_->signal(SIGTERM);
    stopped_ = true;
  }

  // Records the time and says how it ended; returns the error text, empty on success.
  std::string finish(int status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    add_training_seconds(options_.runs, run_.run_id, seconds);
    const fs::path weights = final_weights(options_.runs, run_.run_id, run_.solver.max_iter());
    std::error_code ec;
    const bool exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (exited_cleanly && fs::exists(weights, ec)) {
      std::cout << "experiment: trained " << run_.label << " in " << format_duration(seconds)
                << std::endl;
      return {};
    }
    if (stopped_ && WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM) {
      std::cout << "experiment: stopped " << run_.label << " with a snapshot to resume from"
                << std::endl;
      return {};
    }
    const std::string output = options_.jobs > 1
                                   ? concat("; its output is in ", (folder_ / "train.out").string())
                                   : std::string();
    if (exited_cleanly) {
      return concat(run_.label, " (run ", folder_.string(), "): `visage train` ended without ",
                    "its final weights ", weights.string(), output);
    }
    return concat(run_.label, " (run ", folder_.string(), "): `visage train` ended with ",
                  describe_exit(status), output);
  }

 private:
  TrainingRun run_;
  TrainingOptions options_;
  fs::path folder_;
  std::unique_ptr<RunLock> lock_;
  std::unique_ptr<ChildProcess> child_;
  std::chrono::steady_clock::time_point started_;
  bool stopped_ = false;
};

}  // namespace

fs::path run_folder(const fs::path& runs, const std::string& run_id) { return runs / run_id; }

fs::path final_weights(const fs::path& runs, const std::string& run_id, int64_t max_iter) {
  return snapshot_path(snapshot_prefix(runs, run_id).string(), max_iter);
}

double training_seconds(const fs::path& runs, const std::string& run_id) {
  std::ifstream in(run_folder(runs, run_id) / "training_seconds");
  double seconds = 0.0;
  return in >> seconds ? seconds : 0.0;
}

int train_runs(const std::vector<TrainingRun>& runs, const TrainingOptions& options) {
  VISAGE_CHECK(options.jobs >= 1, "--jobs must be >= 1");
  std::vector<const TrainingRun*> pending;
  std::map<std::string, bool> seen;
  for (const TrainingRun& run : runs) {
    if (seen[run.run_id]) continue;
    seen[run.run_id] = true;
    std::error_code ec;
    if (fs::exists(final_weights(options.runs, run.run_id, run.solver.max_iter()), ec)) {
      std::cout << "experiment: " << run.label << " is trained (run " << run.run_id << ")"
                << std::endl;
      continue;
    }
    pending.push_back(&run);
  }

  const StopSignals signals;
  std::vector<std::unique_ptr<Training>> active;
  std::vector<std::string> failures;
  bool stopping = false;
  size_t next = 0;
  // Stops every training at its next iteration, each with a snapshot: on a signal (Ctrl-C
  // reaches the trainings too, a SIGTERM or a `kill -INT` to this process alone does not) or
  // when one has failed.
  const auto stop_all_if_asked = [&] {
    if (stopping || (!StopSignals::received() && failures.empty())) return;
    stopping = true;
    for (auto& training : active) training->stop();
  };
  while (!active.empty() || (!stopping && next < pending.size())) {
    while (next < pending.size() && static_cast<int>(active.size()) < options.jobs) {
      stop_all_if_asked();
      if (stopping) break;
      auto training = std::make_unique<Training>(*pending[next++], options);
      try {
        if (training->start()) active.push_back(std::move(training));
      } catch (const Error& e) {
        // A locked run, a failed spawn: the others still stop with their snapshots.
        failures.push_back(concat(pending[next - 1]->label, ": ", e.what()));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop_all_if_asked();
    for (auto it = active.begin(); it != active.end();) {
      std::optional<int> status;
      try {
        status = (*it)->poll();
      } catch (const Error& e) {  // waitpid failed: the process is beyond reach
        failures.push_back(e.what());
        it = active.erase(it);
        continue;
      }
      if (!status) {
        ++it;
        continue;
      }
      const std::string error = (*it)->finish(*status);
      if (!error.empty()) failures.push_back(error);
      it = active.erase(it);
    }
  }
  if (StopSignals::received()) {
    std::cerr << "visage experiment: stopped by " << StopSignals::signal_name()
              << "; every interrupted training wrote a snapshot: run the same command again to "
                 "continue"
              << std::endl;
    return StopSignals::signal();
  }
  if (!failures.empty()) {
    std::string text = "training failed:";
    for (const auto& failure : failures) text += "\n  " + failure;
    fail(text, "\nThe other trainings stopped with a snapshot; run the command again to continue.");
  }
  return 0;
}

}  // namespace visage::tools
