// Running another program installed on this machine: Graphviz's `dot` for `visage draw`,
// librsvg's `rsvg-convert` for PNG plots. Found on PATH before any long work starts, so that a
// missing one is reported at once; run with posix_spawn, its own messages reaching the terminal.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace visage::tools {

// The executable `program` in the first PATH folder that has it.
std::optional<std::filesystem::path> find_on_path(std::string_view program);

// Runs `argv` (argv[0] the program's path) and waits for it; throws naming `what` when it cannot
// start, fails or is killed.
void run_program(const std::vector<std::string>& argv, const std::string& what);

// A file that is removed when it goes out of scope.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {}
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace visage::tools
