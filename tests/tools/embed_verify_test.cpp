// `visage embed` and `visage verify` end to end on a tiny model whose embeddings are known exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/hdf5_atomic.hpp"
#include "core/net.hpp"
#include "datasets/image_io.hpp"
#include "eval/embeddings_file.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/svg_reading.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::run_visage;

// The embedding is (pixel(0,0), pixel(1,1)) / 255 of a 2x2 grey image.
constexpr const char* kModel = R"(
name: "picker"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 3 dim: 1 dim: 2 dim: 2 } } }
layer { name: "emb" type: "InnerProduct" bottom: "data" top: "emb" inner_product_param { num_output: 2 } }
)";

class EmbedVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "images");
    std::ofstream(dir_.path() / "model.prototxt") << kModel;
    write_picker_weights("weights.h5", 1.0f);

    // Identity k's images are flat grey at 20 + 30k and 22 + 30k: JPEG keeps flat images exact.
    for (int k = 0; k < 8; ++k) {
      const std::string name = "person" + std::to_string(k);
      fs::create_directories(dir_.path() / "images" / name);
      for (int i = 1; i <= 2; ++i) {
        const auto value = static_cast<uint8_t>(20 + 30 * k + 2 * (i - 1));
        data::write_image(
            data::Image(2, 2, 1, value),
            dir_.path() / "images" / name / (name + "_000" + std::to_string(i) + ".jpg"));
      }
    }
    // Two folds of 2 matched + 2 mismatched pairs; every mismatched pair is far apart, so each
    // fold's threshold, chosen on the other fold, separates it perfectly.
    std::ofstream(dir_.path() / "pairs.txt") << "2\t2\n"
                                                "person0\t1\t2\nperson1\t1\t2\n"
                                                "person0\t1\tperson2\t2\nperson1\t1\tperson3\t1\n"
                                                "person4\t1\t2\nperson5\t1\t2\n"
                                                "person4\t2\tperson6\t1\nperson5\t1\tperson7\t2\n";
  }

  std::string path(const std::string& name) const { return dir_ / name; }

  // Weights making the embedding `scale` * (pixel(0,0), pixel(1,1)) / 255.
  void write_picker_weights(const std::string& name, float scale) const {
    Context ctx = Context::cpu();
    NetOptions options;
    options.phase = proto::TEST;
    Net net(parse_net_config(kModel), options, ctx, builtin_layers());
    auto weights = net.layer(1).params()[0]->mutable_data();
    std::ranges::fill(weights, 0.0f);
    weights[0] = scale;  // output 0 <- pixel (0, 0)
    weights[7] = scale;  // output 1 <- pixel (1, 1)
    std::ranges::fill(net.layer(1).params()[1]->mutable_data(), 0.0f);
    hdf5::write_atomically(dir_ / name, [&](hdf5::File& file) {
      write_snapshot_header(file, net);
      write_weights(file, net);
    });
  }

  const testing::TempFolder dir_;
};

TEST_F(EmbedVerify, EmbedsExactlyAndVerifiesPerfectSeparation) {
  const auto embed = run_visage("embed --device cpu --model " + path("model.prototxt") +
                                " --weights " + path("weights.h5") + " --images " + path("images") +
                                " --pairs " + path("pairs.txt") + " --out " + path("emb.h5"));
  ASSERT_EQ(embed.exit_code, 0) << embed.output;
  const eval::EmbeddingTable table = eval::read_embeddings(path("emb.h5"));
  EXPECT_EQ(table.size(), 12u);  // the distinct images the pairs name
  const auto e = table.find("person7/person7_0002.jpg");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NEAR(e[0], 232.0f / 255.0f, 1e-6f);
  EXPECT_NEAR(e[1], 232.0f / 255.0f, 1e-6f);

  const auto verify = run_visage("verify --pairs " + path("pairs.txt") + " --embeddings " +
                                 path("emb.h5") + " --out " + path("result/lfw"));
  ASSERT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("Accuracy: 1.0000 +/- 0.0000"), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("AUC: 1.0000"), std::string::npos) << verify.output;
  for (const char* out : {"result/lfw_roc.csv", "result/lfw.json"}) {
    EXPECT_TRUE(fs::exists(dir_.path() / out)) << out;
  }
  // The ROC as SVG, and as PNG converted from it by rsvg-convert at the SVG's size.
  EXPECT_EQ(testing::xml_problems(dir_.path() / "result/lfw_roc.svg"), "");
  const testing::PngSize png = testing::png_size(dir_.path() / "result/lfw_roc.png");
  EXPECT_EQ(png.width, 640u);
  EXPECT_EQ(png.height, 496u);

  // Without rsvg-convert the PNG is left out with a warning; everything else is written.
  fs::remove_all(dir_.path() / "result");
  const auto no_converter = testing::run_command(
      "PATH=" + dir_.path().string() + " " + testing::visage_binary() + " verify --pairs " +
      path("pairs.txt") + " --embeddings " + path("emb.h5") + " --out " + path("result/lfw"));
  ASSERT_EQ(no_converter.exit_code, 0) << no_converter.output;
  EXPECT_NE(no_converter.output.find("warning: no " + path("result/lfw_roc.png")),
            std::string::npos)
      << no_converter.output;
  EXPECT_NE(no_converter.output.find("librsvg2-bin"), std::string::npos) << no_converter.output;
  EXPECT_TRUE(fs::exists(dir_.path() / "result/lfw_roc.svg"));
  EXPECT_FALSE(fs::exists(dir_.path() / "result/lfw_roc.png"));
}

TEST_F(EmbedVerify, ReferencesAreDrawnOnTheRocAndMistakesNamed) {
  const auto embed = run_visage("embed --device cpu --model " + path("model.prototxt") +
                                " --weights " + path("weights.h5") + " --images " + path("images") +
                                " --pairs " + path("pairs.txt") + " --out " + path("emb.h5"));
  ASSERT_EQ(embed.exit_code, 0) << embed.output;
  const std::string verify =
      "verify --pairs " + path("pairs.txt") + " --embeddings " + path("emb.h5");
  const auto drawn = run_visage(verify + " --out " + path("result/lfw") +
                                " --reference 'Fisher Vector Faces=0.9303;LDML-MkNN=0.875'");
  ASSERT_EQ(drawn.exit_code, 0) << drawn.output;
  const std::string svg = testing::read_text(dir_.path() / "result/lfw_roc.svg");
  EXPECT_NE(svg.find(">Fisher Vector Faces (0.9303)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">LDML-MkNN (0.8750)</text>"), std::string::npos);

  for (const char* bad : {"'Fisher=93'", "'=0.9'", "'Fisher=0.9;'", "'Fisher'", "'Fisher=0.9x'"}) {
    const auto refused = run_visage(verify + " --out " + path("bad/lfw") + " --reference " + bad);
    EXPECT_NE(refused.exit_code, 0) << bad;
    EXPECT_NE(refused.output.find("--reference"), std::string::npos) << refused.output;
  }
  const auto no_out = run_visage(verify + " --reference 'Fisher=0.9'");
  EXPECT_NE(no_out.exit_code, 0);
  EXPECT_NE(no_out.output.find("only --out writes"), std::string::npos) << no_out.output;
}

TEST_F(EmbedVerify, SeveralEmbeddingsFilesAreAnEnsembleThatSumsDistances) {
  const auto embed = run_visage("embed --device cpu --model " + path("model.prototxt") +
                                " --weights " + path("weights.h5") + " --images " + path("images") +
                                " --pairs " + path("pairs.txt") + " --out " + path("emb.h5"));
  ASSERT_EQ(embed.exit_code, 0) << embed.output;
  const auto threshold_of = [](const std::string& json) {
    const size_t at = json.find("\"threshold\":");
    EXPECT_NE(at, std::string::npos) << json;
    return std::stod(json.substr(at + 12));
  };
  const auto single = run_visage("verify --json --distance l2 --pairs " + path("pairs.txt") +
                                 " --embeddings " + path("emb.h5"));
  ASSERT_EQ(single.exit_code, 0) << single.output;
  const auto pair = run_visage("verify --json --distance l2 --pairs " + path("pairs.txt") +
                               " --embeddings " + path("emb.h5") + "," + path("emb.h5"));
  ASSERT_EQ(pair.exit_code, 0) << pair.output;
  // The same member twice doubles every distance, so the chosen thresholds double too.
  EXPECT_NEAR(threshold_of(pair.output), 2.0 * threshold_of(single.output), 1e-12);

  const auto empty =
      run_visage("verify --pairs " + path("pairs.txt") + " --embeddings " + path("emb.h5") + ",");
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.output.find("an empty file name in the list"), std::string::npos) << empty.output;
}

TEST_F(EmbedVerify, FoldWeightsScoreEachFoldWithItsOwnModel) {
  fs::copy_file(dir_.path() / "weights.h5", dir_.path() / "fold1.h5");
  fs::copy_file(dir_.path() / "weights.h5", dir_.path() / "fold2.h5");
  fs::create_directories(dir_.path() / "run2");
  fs::copy_file(dir_.path() / "weights.h5", dir_.path() / "run2" / "fold2.h5");
  const std::string common = "verify --device cpu --json --pairs " + path("pairs.txt") +
                             " --model " + path("model.prototxt") + " --images " + path("images");
  const auto one_model = run_visage(common + " --weights " + path("weights.h5"));
  ASSERT_EQ(one_model.exit_code, 0) << one_model.output;
  const auto per_fold = run_visage(common + " --fold-weights " + path("fold{fold}.h5"));
  ASSERT_EQ(per_fold.exit_code, 0) << per_fold.output;
  EXPECT_NE(per_fold.output.find("fold 1/2: " + path("fold1.h5")), std::string::npos)
      << per_fold.output;
  EXPECT_NE(per_fold.output.find("fold 2/2: " + path("fold2.h5")), std::string::npos)
      << per_fold.output;
  // The same weights for every fold give the same report as one model.
  const auto json_of = [](const std::string& output) { return output.substr(output.find('{')); };
  EXPECT_EQ(json_of(per_fold.output), json_of(one_model.output));
  // Every {fold} in the pattern is the fold number.
  fs::create_directories(dir_.path() / "run1");
  fs::copy_file(dir_.path() / "weights.h5", dir_.path() / "run1" / "fold1.h5");
  const auto nested = run_visage(common + " --fold-weights " + path("run{fold}/fold{fold}.h5"));
  ASSERT_EQ(nested.exit_code, 0) << nested.output;
  EXPECT_NE(nested.output.find("fold 2/2: " + path("run2/fold2.h5")), std::string::npos)
      << nested.output;

  fs::remove(dir_.path() / "fold2.h5");
  const auto missing = run_visage(common + " --fold-weights " + path("fold{fold}.h5"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("fold 2's weights " + path("fold2.h5") + " do not exist"),
            std::string::npos)
      << missing.output;
  const auto no_marker = run_visage(common + " --fold-weights " + path("fold1.h5"));
  EXPECT_EQ(no_marker.exit_code, 1);
  EXPECT_NE(no_marker.output.find("must contain {fold}"), std::string::npos) << no_marker.output;
}

TEST_F(EmbedVerify, FoldWeightsEmbedEachImageWithItsFoldsModelForEnsembles) {
  write_picker_weights("fold1.h5", 1.0f);
  write_picker_weights("fold2.h5", 3.0f);
  const std::string models = " --device cpu --model " + path("model.prototxt") + " --images " +
                             path("images") + " --fold-weights " + path("fold{fold}.h5");
  const auto embed =
      run_visage("embed" + models + " --pairs " + path("pairs.txt") + " --out " + path("folds.h5"));
  ASSERT_EQ(embed.exit_code, 0) << embed.output;
  const eval::EmbeddingTable table = eval::read_embeddings(path("folds.h5"));
  EXPECT_EQ(table.size(), 12u);
  // person0 is in fold 1's pairs, person7 in fold 2's, whose model triples the embedding.
  const auto first_fold = table.find("person0/person0_0001.jpg");
  ASSERT_EQ(first_fold.size(), 2u);
  EXPECT_NEAR(first_fold[0], 20.0f / 255.0f, 1e-6f);
  const auto second_fold = table.find("person7/person7_0002.jpg");
  ASSERT_EQ(second_fold.size(), 2u);
  EXPECT_NEAR(second_fold[1], 3.0f * 232.0f / 255.0f, 1e-5f);

  // Scored from the file, the pairs get the report that --fold-weights gives them.
  const auto json_of = [](const std::string& output) { return output.substr(output.find('{')); };
  const auto from_file = run_visage("verify --json --pairs " + path("pairs.txt") +
                                    " --embeddings " + path("folds.h5"));
  ASSERT_EQ(from_file.exit_code, 0) << from_file.output;
  const auto per_fold = run_visage("verify --json --pairs " + path("pairs.txt") + models);
  ASSERT_EQ(per_fold.exit_code, 0) << per_fold.output;
  EXPECT_EQ(json_of(from_file.output), json_of(per_fold.output));

  // One image in two folds' pairs would need two embeddings.
  std::ofstream(dir_.path() / "shared.txt") << "2\t1\n"
                                               "person0\t1\t2\nperson0\t1\tperson2\t2\n"
                                               "person4\t1\t2\nperson4\t2\tperson0\t1\n";
  const auto shared =
      run_visage("embed" + models + " --pairs " + path("shared.txt") + " --out " + path("x.h5"));
  EXPECT_EQ(shared.exit_code, 1);
  EXPECT_NE(shared.output.find("image person0/person0_0001.jpg is named by the pairs of folds 1 "
                               "and 2"),
            std::string::npos)
      << shared.output;
  EXPECT_FALSE(fs::exists(dir_.path() / "x.h5"));
  const auto no_pairs = run_visage("embed" + models + " --out " + path("x.h5"));
  EXPECT_EQ(no_pairs.exit_code, 1);
  EXPECT_NE(no_pairs.output.find("--fold-weights needs --pairs"), std::string::npos)
      << no_pairs.output;
  for (const char* command : {"embed", "verify"}) {
    const auto both =
        run_visage(std::string(command) + models + " --weights " + path("weights.h5") +
                   " --pairs " + path("pairs.txt") + " --out " + path("x.h5"));
    EXPECT_EQ(both.exit_code, 1) << command;
    EXPECT_NE(both.output.find("not both"), std::string::npos) << command << ": " << both.output;
  }
  // One fold has no model of its own to choose.
  std::ofstream(dir_.path() / "view1.txt") << "1\nperson0\t1\t2\nperson0\t1\tperson2\t2\n";
  const auto one_fold =
      run_visage("embed" + models + " --pairs " + path("view1.txt") + " --out " + path("x.h5"));
  EXPECT_EQ(one_fold.exit_code, 1);
  EXPECT_NE(one_fold.output.find("needs a pairs file with folds (View 2)"), std::string::npos)
      << one_fold.output;
  EXPECT_FALSE(fs::exists(dir_.path() / "x.h5"));
}

TEST_F(EmbedVerify, PairNamingAnImageWithoutEmbeddingIsAnError) {
  const auto embed =
      run_visage("embed --device cpu --model " + path("model.prototxt") + " --weights " +
                 path("weights.h5") + " --images " + path("images") + " --out " + path("emb.h5"));
  ASSERT_EQ(embed.exit_code, 0) << embed.output;
  std::ofstream(dir_.path() / "more_pairs.txt") << "1\nperson0\t1\t2\nperson0\t1\tnobody\t1\n";
  const auto verify =
      run_visage("verify --pairs " + path("more_pairs.txt") + " --embeddings " + path("emb.h5"));
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.output.find("nobody/nobody_0001.jpg"), std::string::npos) << verify.output;
}

// `visage synth` writes .png images while pairs files name `.jpg` ones (LFW's convention): a table
// embedded from the folder alone serves the pairs whatever the extension.
TEST_F(EmbedVerify, PairsFindEmbeddingsOfImagesWithAnotherExtension) {
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "images")) {
    if (entry.path().extension() != ".jpg") continue;
    fs::path png = entry.path();
    data::write_image(data::read_image(entry.path(), 1), png.replace_extension(".png"));
    fs::remove(entry.path());
  }
  const auto embed =
      run_visage("embed --device cpu --model " + path("model.prototxt") + " --weights " +
                 path("weights.h5") + " --images " + path("images") + " --out " + path("emb.h5"));
  ASSERT_EQ(embed.exit_code, 0) << embed.output;
  EXPECT_EQ(eval::read_embeddings(path("emb.h5")).paths().front(), "person0/person0_0001.png");
  const auto verify =
      run_visage("verify --pairs " + path("pairs.txt") + " --embeddings " + path("emb.h5"));
  ASSERT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("Accuracy: 1.0000 +/- 0.0000"), std::string::npos) << verify.output;

  // With both person0_0001.png and person0_0001.ppm embedded, the .jpg name is ambiguous.
  eval::EmbeddingTable table = eval::read_embeddings(path("emb.h5"));
  const std::vector<float> other = {0.5f, 0.5f};
  table.add("person0/person0_0001.ppm", other);
  EXPECT_TRUE(table.find("person0/person0_0001.jpg").empty());
  EXPECT_EQ(table.find("person0/person0_0001.ppm")[0], 0.5f);
  EXPECT_FALSE(table.find("person0/person0_0002.jpg").empty());
}

// Paths are HDF5 strings; files of format 1 (one newline-separated byte array) and files without
// Visage's attributes, holding any N x D numeric dataset beside `paths`, read as well.
TEST_F(EmbedVerify, EmbeddingsFilesOfEveryLayoutRead) {
  const std::vector<std::string> paths = {"a/a_0001.jpg", "b/b_0001.jpg"};
  const std::vector<float> values = {1, 2, 3, 4, 5, 6};
  eval::EmbeddingTable written(3);
  written.add(paths[0], std::span(values).first(3));
  written.add(paths[1], std::span(values).last(3));
  eval::write_embeddings(written, {}, path("ours.h5"));
  const hdf5::File ours = hdf5::File::open(path("ours.h5"));
  EXPECT_TRUE(ours.holds_strings("paths"));
  EXPECT_EQ(ours.read_strings("paths"), paths);
  EXPECT_EQ(ours.int_attribute("visage_embeddings_version"), 2);

  hdf5::write_atomically(path("format1.h5"), [&](hdf5::File& file) {
    file.set_attribute("visage_embeddings_version", int64_t{1});
    file.write("embeddings", values, {2, 3});
    file.write_bytes("paths", "a/a_0001.jpg\nb/b_0001.jpg\n");
  });
  hdf5::write_atomically(path("foreign.h5"), [&](hdf5::File& file) {
    file.write("labels", std::vector<int64_t>{0, 1}, {2});
    file.write("features", values, {2, 3});
    file.write_strings("paths", paths);
  });
  for (const char* name : {"ours.h5", "format1.h5", "foreign.h5"}) {
    const eval::EmbeddingTable table = eval::read_embeddings(path(name));
    EXPECT_EQ(table.paths(), paths) << name;
    ASSERT_EQ(table.find("b/b_0001.jpg").size(), 3u) << name;
    EXPECT_EQ(table.find("b/b_0001.jpg")[2], 6.0f) << name;
  }

  hdf5::write_atomically(path("two.h5"), [&](hdf5::File& file) {
    file.write("features", values, {2, 3});
    file.write("more_features", values, {3, 2});
    file.write_strings("paths", paths);
  });
  EXPECT_TRUE(testing::says(error_of([&] { eval::read_embeddings(path("two.h5")); }),
                            "datasets features, more_features, paths"));
  hdf5::write_atomically(path("short.h5"), [&](hdf5::File& file) {
    file.write("embeddings", values, {2, 3});
    file.write_strings("paths", std::vector<std::string>{"a/a_0001.jpg", "a/a_0001.jpg"});
  });
  EXPECT_TRUE(testing::says(error_of([&] { eval::read_embeddings(path("short.h5")); }),
                            "short.h5: image a/a_0001.jpg has two embeddings"));
}

}  // namespace
}  // namespace visage
