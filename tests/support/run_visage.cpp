#include "tests/support/run_visage.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace visage::testing {

CommandResult run_visage(const std::string& args) {
  const char* bin = std::getenv("VISAGE_BIN");
  EXPECT_NE(bin, nullptr) << "VISAGE_BIN is not set (run the tests through ctest)";
  if (bin == nullptr) return {};
  const std::string command = std::string(bin) + " " + args + " 2>&1";
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
  const char* root = std::getenv("VISAGE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/" + relative;
}

}  // namespace visage::testing
