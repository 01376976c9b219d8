#include "tests/support/run_visage.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace visage::testing {

namespace {
std::string from_environment(const char* name, const char* built_in) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : built_in;
}
}  // namespace

std::string visage_binary() { return from_environment("VISAGE_BIN", VISAGE_TEST_BINARY); }

CommandResult run_visage(const std::string& args) {
  return run_command(visage_binary() + " " + args);
}

CommandResult run_command(const std::string& shell_command) {
  const std::string command = shell_command + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string source_path(const std::string& relative) {
  return from_environment("VISAGE_SOURCE_DIR", VISAGE_TEST_SOURCE_DIR) + "/" + relative;
}

std::filesystem::path lfw_root() {
  return std::filesystem::path(source_path("..")) / "shared" / "data" / "lfw";
}

}  // namespace visage::testing
