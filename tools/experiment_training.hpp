// The trainings of an experiment: each run is `visage train` in its own process, in its own folder
// under the runs folder (solver.prototxt, snapshots, the progress log, TensorBoard events). A run
// whose final weights exist is done; one with an earlier snapshot resumes from its latest, so an
// interrupted table continues where it stopped. Several runs can train at once (--jobs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "proto/visage.pb.h"

namespace visage::tools {

struct TrainingRun {
  std::string label;  // who needs it, for progress lines: "embedding_dim/64"
  std::string run_id;
  proto::SolverParameter solver;  // snapshot_prefix unset: the runner places it
};

struct TrainingOptions {
  std::filesystem::path runs;    // one folder per run id
  std::filesystem::path visage;  // this executable, which runs `visage train`
  std::string device = "auto";
  std::string conv_algorithms = "reproducible";  // visage train --conv-algorithms
  int jobs = 1;  // runs training at once; > 1 sends each run's output to its folder's train.out
};

std::filesystem::path run_folder(const std::filesystem::path& runs, const std::string& run_id);
// Where `visage train` leaves the weights of the last iteration.
std::filesystem::path final_weights(const std::filesystem::path& runs, const std::string& run_id,
                                    int64_t max_iter);
// Wall seconds spent training the run, summed over resumptions; 0 when unknown.
double training_seconds(const std::filesystem::path& runs, const std::string& run_id);

// Trains every run (runs with the same id once) whose final weights are missing. A failed run
// stops the others at their next iteration, each with a snapshot to resume from, and throws
// saying which failed and where its output is. SIGINT or SIGTERM stops them the same way and
// returns the signal's number (0 when every run finished).
int train_runs(const std::vector<TrainingRun>& runs, const TrainingOptions& options);

}  // namespace visage::tools
