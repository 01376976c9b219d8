// The images a run could not read. Decoder threads report failures here; each image is warned
// about once (naming it and the reason) and counted, so the run can say how many it skipped.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <set>
#include <string>

namespace visage::data {

// Receives one line of warning text. The default writes "warning: <text>" to standard error.
using WarningSink = std::function<void(const std::string&)>;
WarningSink stderr_warnings();

class BadImageLog {
 public:
  explicit BadImageLog(WarningSink warn = stderr_warnings()) : warn_(std::move(warn)) {}

  // Thread-safe. `reason` is the decoder's message (which names the file).
  void report(const std::string& image, const std::string& reason);
  bool contains(const std::string& image) const;
  std::size_t count() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::string> images_;
  WarningSink warn_;
};

}  // namespace visage::data
