#include "tools/external_program.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace visage::tools
