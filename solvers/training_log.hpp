// Reading back the JSON-lines progress log that `visage train` writes (progress.hpp): the train,
// test and verification lines, for plotting. Other lines (snapshots, signals) are skipped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace visage {

// Named values in the order the log wrote them; null (not a number) reads as NaN.
using NamedValues = std::vector<std::pair<std::string, double>>;

struct TrainRecord {
  int64_t iter = 0;
  double loss = 0.0;
  double lr = 0.0;
  double images_per_s = 0.0;
  NamedValues outputs;  // e.g. "triplets.active"
};

struct TestRecord {
  int64_t iter = 0;
  int net = 0;
  NamedValues outputs;
};

// VAL at one requested FAR; the log names it by the FAR ("0.001"), read back as a number.
struct ValAtRequestedFar {
  double far = 0.0;
  double val = 0.0;
  bool operator==(const ValAtRequestedFar&) const = default;
};

struct VerificationRecord {
  int64_t iter = 0;
  std::string name;
  double accuracy = 0.0;
  double auc = 0.0;
  std::vector<ValAtRequestedFar> val;  // in the order the log wrote them
};

struct TrainingLog {
  std::filesystem::path source;
  std::vector<TrainRecord> train;
  std::vector<TestRecord> test;
  std::vector<VerificationRecord> verification;
};

// Throws naming the file when it cannot be read or has no train line, and file:line with what is
// wrong for a line that is not the log's JSON. A resumed run appends to its log from the
// snapshot's iteration: its records replace the ones the first run wrote from that iteration on.
TrainingLog read_training_log(const std::filesystem::path& path);

}  // namespace visage
