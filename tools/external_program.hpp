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

// A program started with posix_spawn and not yet waited for. Output goes to the terminal, or to
// `output` (stdout and stderr, appended) when it is given; `environment` entries
// ("NAME=value") are added to this process's environment, replacing variables of the same name.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output = {},
               const std::vector<std::string>& environment = {});
  ~ChildProcess();  // a child still running is killed (SIGKILL) and reaped: never left behind
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The exit status when the child has ended (waitpid's status), without blocking otherwise.
  std::optional<int> poll();
  void signal(int number);
  const std::string& program() const { return program_; }

 private:
  std::string program_;
  int pid_ = 0;
  bool reaped_ = false;
};

// "exit code 3", "killed by SIGKILL": a waitpid status in words.
std::string describe_exit(int status);

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
