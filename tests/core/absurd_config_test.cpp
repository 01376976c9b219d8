// Configs that make no sense are refused where they are read or built, naming the field or layer
// and its line (the column of the field name), before any work or allocation.
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/support/error_of.hpp"

namespace visage {
namespace {

using testing::error_of;
using testing::says;

// The error of building a net from `layers` (prototxt text) in the TRAIN phase.
std::string net_error(const std::string& layers) {
  return error_of([&] {
    const NetConfig config = parse_net_config(layers, "net.prototxt");
    Context ctx = Context::cpu();
    Net net(config, {}, ctx, builtin_layers());
  });
}

const std::string kInput =
    "layer { name: 'data' type: 'Input' top: 'data'\n"
    "        input_param { shape { dim: 2 dim: 1 dim: 8 dim: 8 } } }\n";

TEST(AbsurdConfig, NonFiniteAndOutOfRangeSolverValuesNameFieldAndLine) {
  const auto solver_error = [](const std::string& text) {
    return error_of([&] { parse_solver_config(text, "solver.prototxt"); });
  };
  EXPECT_TRUE(says(solver_error("base_lr: 0.1\ngamma: nan\n"),
                   "solver.prototxt:2:1: gamma is nan; numbers in a config must be finite"));
  EXPECT_TRUE(says(solver_error("base_lr: 0.1\ngamma: -0.5\n"),
                   "solver.prototxt:2:1: gamma must be >= 0, got -0.5"));
  EXPECT_TRUE(says(solver_error("weight_decay: -1\n"),
                   "solver.prototxt:1:1: weight_decay must be >= 0, got -1"));
  EXPECT_TRUE(says(solver_error("momentum: 1\n"),
                   "solver.prototxt:1:1: momentum must be in [0, 1), got 1"));
  EXPECT_TRUE(says(solver_error("verification_test { far: 0.001 far: inf }\n"),
                   "solver.prototxt:1:32: verification_test[0].far[1] is inf"));
  EXPECT_EQ(solver_error("base_lr: 0.01\nmomentum: 0.9\nweight_decay: 0.0005\n"), "(no error)");
}

TEST(AbsurdConfig, NonFiniteLayerValuesNameTheirPathAndLine) {
  EXPECT_TRUE(
      says(net_error(kInput + "layer { name: 'fc' type: 'InnerProduct' bottom: 'data' top: 'fc'\n"
                              "  inner_product_param { num_output: 2\n"
                              "    weight_filler { type: 'constant' value: nan } } }\n"),
           "net.prototxt:5:38: layer[1].inner_product_param.weight_filler.value is nan"));
  EXPECT_TRUE(
      says(net_error(kInput + "layer { name: 'fc' type: 'InnerProduct' bottom: 'data' top: 'fc'\n"
                              "  param { lr_mult: inf } inner_product_param { num_output: 2 } }\n"),
           "net.prototxt:4:11: layer[1].param[0].lr_mult is inf"));
  EXPECT_TRUE(says(net_error(kInput + "layer { name: 'loss' type: 'EuclideanLoss' bottom: 'data'\n"
                                      "  bottom: 'data' top: 'loss' loss_weight: nan }\n"),
                   "net.prototxt:4:30: layer[1].loss_weight[0] is nan"));
  EXPECT_TRUE(
      says(net_error(kInput + "layer { name: 'drop' type: 'Dropout' bottom: 'data' top: 'd'\n"
                              "  dropout_param { dropout_ratio: 1.5 } }\n"),
           "layer[1].dropout_param.dropout_ratio must be in [0, 1), got 1.5"));
}

TEST(AbsurdConfig, HugeWindowValuesAreRefusedNamingTheLayer) {
  const auto conv = [](const std::string& settings) {
    return net_error(kInput +
                     "layer { name: 'conv' type: 'Convolution' bottom: 'data'\n"
                     "  top: 'conv' convolution_param { num_output: 2 " +
                     settings + " } }\n");
  };
  EXPECT_TRUE(says(conv("kernel_size: 2000000000"),
                   "net.prototxt:3: layer 'conv' (Convolution): convolution_param: kernel "
                   "2000000000x2000000000 is larger than 1048576"));
  EXPECT_TRUE(says(conv("kernel_size: 3 pad: 4000000000"), "pad 4000000000x4000000000 is larger"));
  EXPECT_TRUE(
      says(conv("kernel_size: 3 stride: 2147483648"), "stride 2147483648x2147483648 is larger"));
  EXPECT_EQ(conv("kernel_size: 3 pad: 1"), "(no error)");
}

TEST(AbsurdConfig, ShapesWhoseElementCountOverflowsAreRefused) {
  EXPECT_TRUE(says(net_error("layer { name: 'data' type: 'Input' top: 'data'\n"
                             "  input_param { shape { dim: 4294967296 dim: 4294967296 } } }\n"),
                   "shape (4294967296 x 4294967296) has more elements than a tensor can hold"));
}

TEST(AbsurdConfig, NetsLargerThanTheMachineAreRefusedWithTheFigure) {
  // 3e11 floats of data and as many of gradient: 2.2 TiB, more than any development machine.
  const std::string message = net_error(
      "layer { name: 'data' type: 'Input' top: 'data'\n"
      "  input_param { shape { dim: 100000 dim: 3 dim: 1000 dim: 1000 } } }\n");
  EXPECT_TRUE(says(message, "needs 2235.2 GiB for its activations and parameters"));
  EXPECT_TRUE(says(message, "use a smaller batch_size or input"));
}

TEST(AbsurdConfig, LayersWithParametersNeedUniqueNames) {
  const std::string fc = "type: 'InnerProduct' inner_product_param { num_output: 2 }";
  EXPECT_TRUE(says(net_error(kInput + "layer { name: 'fc' bottom: 'data' top: 'a' " + fc + " }\n" +
                             "layer { name: 'fc' bottom: 'data' top: 'b' " + fc + " }\n"),
                   "net.prototxt:3: layer 'fc' (InnerProduct) has parameters and shares its name "
                   "with the layer at net.prototxt:4"));
  EXPECT_TRUE(says(net_error(kInput + "layer { bottom: 'data' top: 'a' " + fc + " }\n"),
                   "net.prototxt:3: a InnerProduct layer has parameters and no name"));
  // Layers without parameters may share a name, as Caffe's configs often do.
  EXPECT_EQ(net_error(kInput + "layer { name: 'act' type: 'ReLU' bottom: 'data' top: 'a' }\n" +
                      "layer { name: 'act' type: 'ReLU' bottom: 'a' top: 'b' }\n"),
            "(no error)");
}

// Caffe refuses this config too; the message used to recommend exactly what it does.
TEST(AbsurdConfig, InPlaceOnATensorAnotherLayerReadsSaysWhy) {
  const std::string fc = "type: 'InnerProduct' inner_product_param { num_output: 2 }";
  EXPECT_TRUE(says(net_error(kInput + "layer { name: 'fc' bottom: 'data' top: 'fc' " + fc + " }\n" +
                             "layer { name: 'fc2' bottom: 'fc' top: 'fc2' " + fc + " }\n" +
                             "layer { name: 'relu' type: 'ReLU' bottom: 'fc' top: 'fc' }\n"),
                   "net.prototxt:5: layer 'relu' computes 'fc' in place, but 'fc2' also read it; "
                   "a layer may work in place only on a tensor nothing else reads"));
}

TEST(AbsurdConfig, FoldersAndOverlongPathsAreCalledWhatTheyAre) {
  EXPECT_EQ(error_of([] { read_file("/tmp"); }), "/tmp: is a folder, not a file");
  const std::string long_name = "/tmp/" + std::string(300, 'x');
  EXPECT_EQ(error_of([&] { read_file(long_name); }),
            long_name + ": cannot be read (File name too long)");
}

}  // namespace
}  // namespace visage
