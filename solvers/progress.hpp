// What a training run tells the people and programs watching it: a readable line every display
// interval (iteration, smoothed loss, learning rate, images/s, elapsed time, ETA), test results and
// verification results, plus the same figures as JSON lines in a log file for plots and experiment
// runners, and as scalars in a TensorBoard event file. Every line and event is flushed at once so a
// killed run keeps its log.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "eval/verification.hpp"
#include "solvers/event_file.hpp"

namespace visage {

struct TrainProgress {
  int64_t iter = 0;
  int64_t max_iter = 0;
  double loss = 0;  // smoothed
  double lr = 0;
  double images_per_s = 0;  // over all ranks
  int ranks = 1;            // data-parallel processes, each with an equal share of the images
  double allreduce_s = 0;   // spent averaging gradients since the last line
  double elapsed_s = 0;
  double eta_s = 0;
  // The train net's outputs that are not losses (accuracy, triplet mining statistics, ...), as of
  // the last iteration: "name" for one value, "name.value" for each of several the layer names
  // (TripletLoss's statistics), "name[i]" for each of several it does not.
  std::vector<std::pair<std::string, double>> outputs;
};

struct TestResult {
  int net = 0;
  std::vector<std::pair<std::string, double>> outputs;  // mean of each output element
};

// One verification test's result (solvers/training_verification.hpp).
struct VerificationProgress {
  std::string name;
  eval::VerificationResult result;
  // The pairs file the threshold was fitted on when it is neither cross-validated nor fitted on
  // the evaluated pairs themselves; empty otherwise.
  std::string threshold_pairs;
  double seconds = 0;
};

class ProgressLog {
 public:
  // `human` may be null (silent); an empty `json_path` writes no JSON. `append` keeps an existing
  // log (a resumed run), otherwise it is started afresh. A non-empty `events_folder` also gets
  // the figures as scalars in a TensorBoard event file (solvers/event_file.hpp); a fresh run
  // first removes the event files an earlier run of Visage left there.
  ProgressLog(std::ostream* human, const std::string& json_path, bool append,
              const std::string& events_folder = {});

  void train(const TrainProgress& p);
  void test(int64_t iter, const TestResult& result);
  // "iter N  verify: acc 0.9512 +/- 0.0041  VAL@FAR=0.001 0.7321  AUC 0.9870  EER 0.0520 (...)",
  // and a JSON line of type "verification" with the same figures as fields.
  void verification(int64_t iter, const VerificationProgress& p);
  // A notable event ("snapshot", "stopped", "done") with one string detail.
  void event(const std::string& type, int64_t iter, const std::string& key,
             const std::string& value);
  // A line for people only.
  void say(const std::string& line);

  const std::string& json_path() const { return json_path_; }
  // The TensorBoard event file, or empty.
  std::string events_path() const { return events_ ? events_->path() : std::string(); }
  // Empty while every line was written; otherwise which output failed first and why ("run.jsonl:
  // No space left on device"). Training goes on after a failed write: the user is told at once,
  // and `visage train` exits non-zero at the end.
  const std::string& write_error() const { return write_error_; }

 private:
  void json_line(const std::string& line);
  void scalars(int64_t iter, const TaggedScalars& values);
  void human_line(const std::string& line);
  void note_failure(const std::string& output, int error);

  std::ostream* human_;
  std::string json_path_;
  std::ofstream json_;
  std::optional<EventFile> events_;
  std::string write_error_;
};

// "1h02m03s", "4m05s", "12.3s".
std::string format_duration(double seconds);

}  // namespace visage
