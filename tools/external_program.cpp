#include "tools/external_program.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"

extern char** environ;

namespace visage::tools {

std::optional<std::filesystem::path> find_on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view folders = path != nullptr ? path : "";
  while (true) {
    const size_t colon = folders.find(':');
    const std::string_view folder = folders.substr(0, colon);
    const std::filesystem::path candidate =
        std::filesystem::path(folder.empty() ? "." : folder) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate)) {
      return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    folders.remove_prefix(colon + 1);
  }
}

void run_program(const std::vector<std::string>& argv, const std::string& what) {
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (auto& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, args.front().c_str(), nullptr, nullptr, pointers.data(), environ);
  VISAGE_CHECK(spawned == 0, "cannot run ", args.front(), ": ", std::strerror(spawned));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    VISAGE_CHECK(errno == EINTR, "waiting for ", args.front(), ": ", std::strerror(errno));
  }
  VISAGE_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, args.front(), " failed (",
               WIFEXITED(status) ? concat("exit code ", WEXITSTATUS(status)) : "killed", ") ",
               what);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& output,
                           const std::vector<std::string>& environment)
    : program_(argv.front()) {
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (auto& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('=') + 1);
    const bool replaced = std::any_of(environment.begin(), environment.end(), [&](const auto& x) {
      return x.compare(0, name.size(), name) == 0;
    });
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), environment.begin(), environment.end());
  std::vector<char*> env_pointers;
  for (auto& entry : env) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!output.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args.front().c_str(), &actions, nullptr,
                                  arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  VISAGE_CHECK(spawned == 0, "cannot run ", args.front(), ": ", std::strerror(spawned));
  pid_ = pid;
}

ChildProcess::~ChildProcess() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

std::optional<int> ChildProcess::poll() {
  if (reaped_) return std::nullopt;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == 0 || (done < 0 && errno == EINTR)) return std::nullopt;
  VISAGE_CHECK(done == pid_, "waiting for ", program_, ": ", std::strerror(errno));
  reaped_ = true;
  return status;
}

void ChildProcess::signal(int number) {
  if (!reaped_) ::kill(pid_, number);
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return concat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return concat("killed by signal ", WTERMSIG(status));
  return "stopped";
}

}  // namespace visage::tools
