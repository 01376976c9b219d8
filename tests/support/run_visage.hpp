// Runs the built `visage` binary as a user would (ctest sets VISAGE_BIN and VISAGE_SOURCE_DIR).
#pragma once

#include <string>

namespace visage::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run_visage(const std::string& args);
// A path inside the source tree (configs, ...).
std::string source_path(const std::string& relative);

}  // namespace visage::testing
