// The `visage` command line, run as a user would: through the built binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "core/blas_kernels.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"

namespace {

using visage::testing::run_visage;
using Result = visage::testing::CommandResult;

std::string config(const std::string& relative) { return visage::testing::source_path(relative); }

TEST(Cli, EveryCommandAnswersHelp) {
  for (const char* command : {"train", "test", "time", "summary", "embed", "verify", "fit-metric",
                              "device-query", "export"}) {
    const Result r = run_visage(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.output;
    EXPECT_NE(r.output.find("usage: visage " + std::string(command)), std::string::npos)
        << r.output;
  }
  const Result top = run_visage("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.output.find("device-query"), std::string::npos);
}

TEST(Cli, UnknownCommandAndFlagAreRejected) {
  EXPECT_EQ(run_visage("trian").exit_code, 2);
  const Result r =
      run_visage("summary " + config("configs/examples/face_mlp.prototxt") + " --phaze test");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown option --phaze"), std::string::npos) << r.output;
}

TEST(Cli, SummaryCountsParametersAndMultiplyAdds) {
  const Result r = run_visage("summary " + config("configs/examples/face_mlp.prototxt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 12288*512+512 + 512*256+256 + 256*100+100 parameters, and as many multiply-adds less biases.
  EXPECT_NE(r.output.find("(6448996)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("64x64x3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("6.4M multiply-adds"), std::string::npos) << r.output;
}

TEST(Cli, TimeReportsEveryLayerAndThroughput) {
  const Result r = run_visage("time " + config("configs/examples/face_mlp.prototxt") +
                              " --iterations 2 --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* layer : {"fc1", "relu1", "fc3", "loss", "images/s"}) {
    EXPECT_NE(r.output.find(layer), std::string::npos) << layer << " missing in\n" << r.output;
  }
}

// --update adds the solver's step (what PyTorch's yardstick times) to every iteration.
TEST(Cli, TimeWithUpdateTimesTheWholeTrainingStep) {
  const Result r = run_visage("time " + config("configs/examples/face_mlp.prototxt") +
                              " --iterations 2 --device cpu --update Adam");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("update                  Adam"), std::string::npos) << r.output;
  for (const char* rule : {"SGD", "Nesterov", "AdaGrad", "RMSProp"}) {
    const Result other = run_visage("time " + config("configs/examples/face_mlp.prototxt") +
                                    " --iterations 1 --device cpu --update " + rule);
    EXPECT_EQ(other.exit_code, 0) << rule << ": " << other.output;
  }
  EXPECT_NE(r.output.find("training step (forward, backward, update) iteration:"),
            std::string::npos)
      << r.output;
  const Result unknown = run_visage("time " + config("configs/examples/face_mlp.prototxt") +
                                    " --device cpu --update Sgd");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("unknown type 'Sgd' (known: SGD,"), std::string::npos)
      << unknown.output;
  const Result forward_only = run_visage("time " + config("configs/examples/face_mlp.prototxt") +
                                         " --device cpu --update SGD --forward-only");
  EXPECT_EQ(forward_only.exit_code, 1);
  EXPECT_NE(forward_only.output.find("--update needs the backward pass"), std::string::npos)
      << forward_only.output;
}

// --conv-algorithms is read (and checked) before any device is opened, by train and time alike.
TEST(Cli, ConvolutionAlgorithmsAreCheckedWhereRead) {
  const std::string net = config("configs/examples/face_mlp.prototxt");
  EXPECT_EQ(run_visage("time " + net + " --iterations 1 --device cpu --conv-algorithms fastest")
                .exit_code,
            0);
  for (const std::string& command : {"time " + net, "train --solver " + net}) {
    const Result r = run_visage(command + " --device cpu --conv-algorithms quickest");
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.output.find("--conv-algorithms quickest: expected reproducible or fastest"),
              std::string::npos)
        << r.output;
  }
}

TEST(Cli, MalformedConfigGivesPositionNotCrash) {
  const visage::testing::TempFolder folder;
  const std::string path = folder / "bad.prototxt";
  std::ofstream(path) << "name: 'bad'\nlayer {\n  name: 'x'\n  type: Input\n}\n";
  const Result r = run_visage("summary " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(path + ":4:9:"), std::string::npos) << r.output;
}

// OpenBLAS 0.3.21 runs its SSE3 (Prescott) kernels on processors newer than its model table;
// `visage` then chooses kernels for the processor's AVX2 or AVX-512. The test keeps the
// environment it was given: where OPENBLAS_CORETYPE is set, that choice must be reported as kept.
TEST(Cli, DeviceQueryNamesBlasKernelsThatSuitTheProcessor) {
  const Result r = run_visage("device-query");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string prefix = "CPU: OpenBLAS ";
  const std::size_t line = r.output.find(prefix);
  ASSERT_NE(line, std::string::npos) << r.output;
  const std::size_t kernels_end = r.output.find(" kernels, ", line);
  ASSERT_NE(kernels_end, std::string::npos) << r.output;
  const std::size_t kernels_begin = r.output.rfind(", ", kernels_end) + 2;
  const std::string kernels = r.output.substr(kernels_begin, kernels_end - kernels_begin);
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  if (forced != nullptr && *forced != '\0') {
    EXPECT_NE(r.output.find(std::string("OPENBLAS_CORETYPE=") + forced + " from the environment"),
              std::string::npos)
        << r.output;
  } else {
    EXPECT_EQ(visage::cpu::better_openblas_kernels(kernels, visage::cpu::host_instruction_sets()),
              std::nullopt)
        << "visage runs OpenBLAS's " << kernels << " kernels on a processor with faster ones:\n"
        << r.output;
  }
}

TEST(Cli, DeviceQueryAnswersWithOrWithoutGpu) {
  const Result r = run_visage("device-query");
  EXPECT_EQ(r.exit_code, 0);
  const bool no_gpu = r.output.find("no GPU") != std::string::npos;
  const bool gpu = r.output.find("GPU 0:") != std::string::npos;
  EXPECT_TRUE(no_gpu || gpu) << r.output;
}

}  // namespace
