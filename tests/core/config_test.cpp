#include "core/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/temp_folder.hpp"

namespace visage {
namespace {

using testing::error_of;

TEST(Config, MalformedTextNamesFileLineAndColumn) {
  const std::string text =
      "name: 'n'\n"
      "layer {\n"
      "  name: 'data'\n"
      "  type: 'Input'\n"
      "  top: 'x'\n"
      "  input_parm { shape { dim: 1 } }\n"
      "}\n";
  const std::string message = error_of([&] { parse_net_config(text, "net.prototxt"); });
  // The column is where the parser noticed the problem: after the unknown name.
  EXPECT_NE(message.find("net.prototxt:6:14:"), std::string::npos) << message;
  EXPECT_NE(message.find("input_parm"), std::string::npos) << message;
}

TEST(Config, UnbalancedBraceAndBadValueArePositioned) {
  EXPECT_NE(error_of([] {
              parse_net_config("layer {\n  name: 'a'\n", "x.prototxt");
            }).find("x.prototxt:3:"),
            std::string::npos);
  const std::string message =
      error_of([] { parse_solver_config("base_lr: 0.01\nmax_iter: many\n", "solver.prototxt"); });
  EXPECT_NE(message.find("solver.prototxt:2:11:"), std::string::npos) << message;
}

TEST(Config, RemembersLayerLinesForLaterErrors) {
  const std::string text =
      "name: 'n'\n"
      "layer { name: 'data' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }\n"
      "\n"
      "layer { name: 'fc' type: 'InnerProdct' bottom: 'x' top: 'y' }\n";
  const NetConfig config = parse_net_config(text, "net.prototxt");
  ASSERT_EQ(config.layer_lines, (std::vector<int>{2, 4}));
  Context ctx = Context::cpu();
  const std::string message = error_of([&] { Net net(config, {}, ctx, builtin_layers()); });
  EXPECT_NE(message.find("net.prototxt:4"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown layer type 'InnerProdct'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'InnerProduct'"), std::string::npos) << message;
}

TEST(Config, MissingFileAndBinaryRoundTrip) {
  EXPECT_NE(error_of([] { load_net_config("/nonexistent/net.prototxt"); }).find("no such file"),
            std::string::npos);
  const testing::TempFolder folder;
  const std::string path = folder / "net.binaryproto";
  NetConfig config = parse_net_config(
      "name: 'bin' layer { name: 'd' type: 'Input' top: 'x' input_param { shape { dim: 4 } } }");
  write_binary_proto(config.param, path);
  const NetConfig loaded = load_net_config(path);
  EXPECT_EQ(loaded.param.name(), "bin");
  EXPECT_EQ(loaded.hash(), config.hash());
}

TEST(Config, WriteFileReportsAFullDisk) {
  EXPECT_EQ(error_of([] { write_file("/dev/full", std::string(1 << 16, 'x')); }),
            "/dev/full: cannot write (No space left on device)");
  EXPECT_EQ(error_of([] { write_file("/nonexistent/folder/file.txt", "x"); }),
            "/nonexistent/folder/file.txt: cannot write (No such file or directory)");
}

TEST(Config, HashChangesWithTheConfig) {
  const auto a = parse_net_config("name: 'a'");
  const auto b = parse_net_config("name: 'b'");
  EXPECT_EQ(a.hash(), parse_net_config("name:   'a'  ").hash());
  EXPECT_NE(a.hash(), b.hash());
}

}  // namespace
}  // namespace visage
