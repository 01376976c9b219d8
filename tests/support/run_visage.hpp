// Runs the built `visage` binary as a user would, and finds the source tree and the shared LFW
// copy. The environment (VISAGE_BIN, VISAGE_SOURCE_DIR) overrides the paths compiled in, so the
// tests also run from a build carried to another machine (scripts/gpu_check.sh).
#pragma once

#include <filesystem>
#include <string>

namespace visage::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through the shell, stdout and stderr together.
CommandResult run_command(const std::string& command);
CommandResult run_visage(const std::string& args);
std::string visage_binary();
// A path inside the source tree (configs, ...).
std::string source_path(const std::string& relative);
// ../shared/data/lfw beside the source tree (tests using it skip when it is absent).
std::filesystem::path lfw_root();

}  // namespace visage::testing
