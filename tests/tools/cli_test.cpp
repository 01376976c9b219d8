// The `visage` command line, run as a user would: through the built binary.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& args) {
  const char* bin = std::getenv("VISAGE_BIN");
  EXPECT_NE(bin, nullptr) << "VISAGE_BIN is not set (run through ctest)";
  if (bin == nullptr) return {};
  const std::string command = std::string(bin) + " " + args + " 2>&1";
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string config(const std::string& relative) {
  const char* root = std::getenv("VISAGE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/" + relative;
}

TEST(Cli, EveryCommandAnswersHelp) {
  for (const char* command : {"train", "test", "time", "summary", "device-query"}) {
    const Result r = run(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.output;
    EXPECT_NE(r.output.find("usage: visage " + std::string(command)), std::string::npos) << r.output;
  }
  const Result top = run("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.output.find("device-query"), std::string::npos);
}

TEST(Cli, UnknownCommandAndFlagAreRejected) {
  EXPECT_EQ(run("trian").exit_code, 2);
  const Result r = run("summary " + config("configs/examples/face_mlp.prototxt") + " --phaze test");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown option --phaze"), std::string::npos) << r.output;
}

TEST(Cli, SummaryCountsParametersAndMultiplyAdds) {
  const Result r = run("summary " + config("configs/examples/face_mlp.prototxt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 12288*512+512 + 512*256+256 + 256*100+100 parameters, and as many multiply-adds less biases.
  EXPECT_NE(r.output.find("(6448996)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("64x64x3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("6.4M multiply-adds"), std::string::npos) << r.output;
}

TEST(Cli, TimeReportsEveryLayerAndThroughput) {
  const Result r = run("time " + config("configs/examples/face_mlp.prototxt") +
                       " --iterations 2 --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* layer : {"fc1", "relu1", "fc3", "loss", "images/s"}) {
    EXPECT_NE(r.output.find(layer), std::string::npos) << layer << " missing in\n" << r.output;
  }
}

TEST(Cli, MalformedConfigGivesPositionNotCrash) {
  const auto path = std::filesystem::temp_directory_path() / "visage_cli_bad.prototxt";
  std::ofstream(path) << "name: 'bad'\nlayer {\n  name: 'x'\n  type: Input\n}\n";
  const Result r = run("summary " + path.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(path.string() + ":4:9:"), std::string::npos) << r.output;
  std::filesystem::remove(path);
}

TEST(Cli, DeviceQueryAnswersWithOrWithoutGpu) {
  const Result r = run("device-query");
  EXPECT_EQ(r.exit_code, 0);
  const bool no_gpu = r.output.find("no GPU") != std::string::npos;
  const bool gpu = r.output.find("GPU 0:") != std::string::npos;
  EXPECT_TRUE(no_gpu || gpu) << r.output;
}

}  // namespace
