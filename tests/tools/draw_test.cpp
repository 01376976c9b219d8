// `visage draw`, run as a user would: the DOT of a small net (boxes, edges, sizes, in-place layers
// folded or chained, phases), rendering through Graphviz and the errors around it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace {

namespace fs = std::filesystem;
using visage::testing::read_text;
using visage::testing::run_visage;

constexpr const char* kTinyNet = R"(name: "tiny"
layer { name: "data" type: "Input" top: "data" top: "label"
        input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } shape { dim: 2 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 stride: 2 } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
        pooling_param { pool: MAX kernel_size: 3 stride: 1 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc"
        inner_product_param { num_output: 5 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "fc" bottom: "label" top: "accuracy"
        include { phase: TEST } }
)";

class Draw : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(net_) << kTinyNet; }

  // Runs `visage draw` on `net` with `flags`, writing DOT; returns the DOT text.
  std::string dot(const std::string& flags, const fs::path& net) {
    const fs::path out = folder_.path() / "graph.dot";
    const auto r = run_visage("draw " + net.string() + " --out " + out.string() + " " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return read_text(out);
  }
  std::string dot(const std::string& flags) { return dot(flags, net_); }

  static int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  const visage::testing::TempFolder folder_;
  const fs::path net_ = folder_.path() / "tiny.prototxt";
};

TEST_F(Draw, LayersAreBoxesWithParametersAndSizesAndBlobsAreEdges) {
  const std::string text = dot("--phase TRAIN");
  EXPECT_NE(text.find("digraph \"tiny (TRAIN, batch 2)\""), std::string::npos) << text;
  EXPECT_NE(text.find("rankdir=TB"), std::string::npos);
  EXPECT_NE(text.find("layer_0 [label=\"data\\nInput\\nout 8x8x3\""), std::string::npos) << text;
  // The in-place ReLU is folded into the convolution's box, above its output size.
  EXPECT_NE(text.find("layer_1 [label=\"conv\\nConvolution\\nconv 4 3x3/2\\n+ ReLU\\nout 3x3x4\""),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("layer_2 "), std::string::npos) << text;
  EXPECT_NE(text.find("layer_3 [label=\"pool\\nPooling\\nmax 3x3\\nout 1x1x4\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("layer_4 [label=\"fc\\nInnerProduct\\nfc 5\\nout 5\""), std::string::npos);
  EXPECT_NE(text.find("layer_5 [label=\"loss\\nSoftmaxWithLoss\""), std::string::npos);
  // Blobs: labelled with their size per sample, and with their name where it is not the
  // producing layer's (the label top of the data layer).
  EXPECT_NE(text.find("layer_0 -> layer_1 [label=\"8x8x3\"];"), std::string::npos) << text;
  EXPECT_NE(text.find("layer_1 -> layer_3 [label=\"3x3x4\"];"), std::string::npos) << text;
  EXPECT_NE(text.find("layer_3 -> layer_4 [label=\"1x1x4\"];"), std::string::npos) << text;
  EXPECT_NE(text.find("layer_4 -> layer_5 [label=\"5\"];"), std::string::npos) << text;
  EXPECT_NE(text.find("layer_0 -> layer_5 [label=\"label\"];"), std::string::npos) << text;
  EXPECT_EQ(count(text, " -> "), 5) << text;
  EXPECT_EQ(text.find("accuracy"), std::string::npos) << "a TEST-only layer in TRAIN:\n" << text;
}

TEST_F(Draw, InPlaceLayersCanBeDrawnAsBoxesInTheChain) {
  const std::string text = dot("--phase TRAIN --no-fold --rankdir LR");
  EXPECT_NE(text.find("rankdir=LR"), std::string::npos);
  EXPECT_NE(text.find("layer_1 [label=\"conv\\nConvolution\\nconv 4 3x3/2\\nout 3x3x4\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("layer_2 [label=\"relu\\nReLU\\nout 3x3x4\""), std::string::npos) << text;
  EXPECT_NE(text.find("layer_1 -> layer_2 [label=\"3x3x4\"];"), std::string::npos) << text;
  EXPECT_NE(text.find("layer_2 -> layer_3 [label=\"3x3x4\"];"), std::string::npos) << text;
  EXPECT_EQ(count(text, " -> "), 6) << text;
}

TEST_F(Draw, PhaseSelectsTheLayers) {
  const std::string text = dot("--phase test");
  EXPECT_NE(text.find("digraph \"tiny (TEST, batch 2)\""), std::string::npos) << text;
  EXPECT_NE(text.find("layer_6 [label=\"accuracy\\nAccuracy\""), std::string::npos) << text;
  EXPECT_NE(text.find("layer_4 -> layer_6 [label=\"5\"];"), std::string::npos) << text;
  EXPECT_NE(text.find("layer_0 -> layer_6 [label=\"label\"];"), std::string::npos) << text;
}

TEST_F(Draw, ANetThatCannotBeBuiltIsDrawnWithoutSizes) {
  const fs::path net = folder_.path() / "face_data.prototxt";
  std::ofstream(net) << R"(name: "no_data"
layer { name: "data" type: "FaceData" top: "data" top: "label"
        face_data_param { source: "/nonexistent/faces" identities_per_batch: 4
                          images_per_identity: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        inner_product_param { num_output: 8 } }
)";
  const fs::path out = folder_.path() / "graph.dot";
  const auto r = run_visage("draw " + net.string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("drawing without sizes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/faces"), std::string::npos) << r.output;
  const std::string text = dot("", net);
  EXPECT_NE(text.find("layer_0 [label=\"data\\nFaceData\\n/nonexistent/faces\\n4 ids x 2 faces\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("layer_0 -> layer_1;"), std::string::npos) << text;
  EXPECT_EQ(text.find("out "), std::string::npos) << text;
}

TEST_F(Draw, RendersSvgWithGraphviz) {
  if (std::system("dot -V > /dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz is not installed";
  const fs::path out = folder_.path() / "graph.svg";
  const auto r = run_visage("draw " + net_.string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string svg = read_text(out);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("conv 4 3x3/2"), std::string::npos);
}

TEST_F(Draw, WithoutGraphvizSaysHowToGetItOrToWriteDot) {
  const char* path = std::getenv("PATH");
  const std::string saved = path != nullptr ? path : "";
  setenv("PATH", folder_.path().c_str(), 1);  // a folder without `dot`
  const auto r = run_visage("draw " + net_.string() + " --out " + (folder_ / "g.png"));
  setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("apt-get install graphviz"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--out " + (folder_ / "g.dot")), std::string::npos) << r.output;
}

TEST_F(Draw, RejectsBadOptions) {
  const std::string out = " --out " + (folder_ / "g.dot");
  const auto help = run_visage("draw --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: visage draw"), std::string::npos) << help.output;
  EXPECT_NE(run_visage("draw " + net_.string()).output.find("--out is required"),
            std::string::npos);
  EXPECT_NE(run_visage("draw " + net_.string() + " --out g.jpg").output.find(".svg, .png"),
            std::string::npos);
  EXPECT_NE(run_visage("draw " + net_.string() + out + " --rankdir BT").output.find("TB or LR"),
            std::string::npos);
  EXPECT_NE(run_visage("draw " + net_.string() + out + " --phase val").output.find("TRAIN or TEST"),
            std::string::npos);
}

}  // namespace
