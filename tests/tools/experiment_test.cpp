// `visage experiment` end to end: every spec in experiments/ at its smoke scale (the machinery CI
// keeps working), shared and resumed trainings, and the errors a spec author meets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::run_visage;
using testing::source_path;

// The CSV's rows after the header, as lines.
std::vector<std::string> csv_rows(const fs::path& path) {
  std::istringstream in(read_text(path));
  std::vector<std::string> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) rows.push_back(line);
  return rows;
}

// The last field of a CSV line (the run id).
std::string run_of(const std::string& row) { return row.substr(row.rfind(',') + 1); }

// A CSV line without its last two fields (training time, run): what was measured.
std::string measured_part(const std::string& row) {
  return row.substr(0, row.rfind(',', row.rfind(',') - 1));
}

// The measured text of every row.
std::string measured_columns(const fs::path& csv) {
  std::string text;
  for (const auto& row : csv_rows(csv)) text += measured_part(row) + "\n";
  return text;
}

// Every spec in experiments/ at its smoke scale, in one process since the run is the costly part
// (CI's check that the machinery of every table works), then some of them once more.
TEST(EveryExperiment, RunsAtSmokeScaleAndAgainWithoutTrainingToTheSameNumbers) {
  const testing::TempFolder folder;
  std::string specs;
  for (const auto& entry : fs::directory_iterator(source_path("experiments"))) {
    if (entry.path().extension() == ".prototxt") specs += " " + entry.path().string();
  }
  const auto results = [&](const std::string& file) { return folder.path() / "results" / file; };
  const testing::CommandResult first =
      run_visage("experiment --scale smoke" + specs + " --runs " + folder / "runs" + " --results " +
                 folder / "results");
  ASSERT_EQ(first.exit_code, 0) << first.output;

  int tables = 0;
  for (const auto& entry : fs::directory_iterator(source_path("experiments"))) {
    if (entry.path().extension() != ".prototxt") continue;
    ++tables;
    const std::string name = entry.path().stem().string();
    const std::string md = read_text(results(name + ".md"));
    ASSERT_FALSE(md.empty()) << name;
    EXPECT_NE(md.find("| paper: "), std::string::npos) << md;
    EXPECT_NE(md.find("- **Machine:** "), std::string::npos) << md;
    EXPECT_NE(md.find("--scale smoke"), std::string::npos) << md;
    const std::vector<std::string> rows = csv_rows(results(name + ".csv"));
    ASSERT_FALSE(rows.empty()) << name;
    // Every metric's value (its standard error may be empty) is a number, and the run is named.
    const std::regex value(
        "^(?:[^,]*|\"[^\"]*\"),[^,]*,[^,]*(?:,[-0-9.e]+,[-0-9.e]*)+,[0-9.]+,"
        "(?:[0-9a-f]{16}|ensemble)$");
    for (const auto& row : rows) EXPECT_TRUE(std::regex_match(row, value)) << name << ": " << row;
  }
  EXPECT_GE(tables, 8);
  // FaceNet's Table 4 needs one model: both halves and the embedding table's 128 share its run.
  const std::string shared = run_of(csv_rows(results("facenet_embedding_dim.csv"))[1]);
  for (const char* table : {"facenet_jpeg_quality.csv", "facenet_pixels.csv"}) {
    for (const auto& row : csv_rows(results(table))) EXPECT_EQ(run_of(row), shared) << row;
  }
  EXPECT_TRUE(fs::exists(results("facenet_pixels.svg")));
  // Figure 4's x is each network's multiply-adds, counted: NN1's 1.61G as `visage summary` says.
  const std::string figure = read_text(results("facenet_model_size.md"));
  EXPECT_NE(figure.find("| NN1 (220x220) | 1.61G |"), std::string::npos) << figure;
  // The ensemble is scored from its members' distances: it has numbers but no run of its own.
  const std::vector<std::string> ensemble = csv_rows(results("deepface_ensemble.csv"));
  ASSERT_EQ(ensemble.size(), 4u);
  EXPECT_EQ(run_of(ensemble.back()), "ensemble");
  const auto numbers = [](const std::string& row) {  // the fields after variant, x and paper
    std::vector<std::string> fields;
    std::istringstream in(measured_part(row));
    for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
    return std::vector<std::string>(fields.begin() + 3, fields.end());
  };
  for (size_t member = 0; member < 3; ++member) {
    EXPECT_NE(numbers(ensemble[member]), numbers(ensemble.back())) << ensemble[member];
  }
  // Degrading the test images changes their scores only: same weights, different rows (JPEG
  // quality 10 against lossless).
  const std::vector<std::string> jpeg = csv_rows(results("facenet_jpeg_quality.csv"));
  ASSERT_EQ(jpeg.size(), 7u);
  EXPECT_NE(numbers(jpeg.front()), numbers(jpeg.back()));

  // Again, for the tables whose models are shared or combined (FaceNet's Tables 4 and 5 share one
  // model; the ensemble is scored from its members' runs): nothing retrains and every number comes
  // back the same. The other tables take the same path, with a model of their own.
  std::string rerun_specs;
  std::map<std::string, std::string> before;
  for (const char* name :
       {"facenet_embedding_dim", "facenet_jpeg_quality", "facenet_pixels", "deepface_ensemble"}) {
    rerun_specs += " " + source_path("experiments/" + std::string(name) + ".prototxt");
    const fs::path csv = results(std::string(name) + ".csv");
    before[csv.string()] = read_text(csv);
  }
  const testing::CommandResult again =
      run_visage("experiment --scale smoke" + rerun_specs + " --runs " + folder / "runs" +
                 " --results " + folder / "results");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output.find("experiment: training"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("is trained"), std::string::npos) << again.output;
  for (const auto& [file, text] : before) EXPECT_EQ(read_text(file), text) << file;
}

// A spec of its own in a temporary folder, over the quickstart network.
class SmallSpec : public ::testing::Test {
 protected:
  void write_spec(const std::string& variants, const std::string& extra = "") {
    std::ofstream(folder_ / "spec.prototxt")
        << "name: \"small\" title: \"a test table\" variable: \"width\"\n"
        << "solver: \"" << source_path("configs/quickstart/solver.prototxt") << "\"\n"
        << "deploy: \"" << source_path("configs/quickstart/deploy.prototxt") << "\"\n"
        << "paper_column: \"VAL\" metric: VERIFICATION_ACCURACY\n"
        << "heldout { identities: 24 per_identity: 3 pairs: 8 folds: 4 splits: 2 }\n"
        << "scale { name: \"full\" solver: \"max_iter: 4 snapshot: 2 display: 1\" }\n"
        << extra << variants;
  }
  testing::CommandResult experiment(const std::string& flags = "") {
    return run_visage("experiment " + folder_ / "spec.prototxt" + " " + flags);
  }
  testing::TempFolder folder_;
};

TEST_F(SmallSpec, AnInterruptedTrainingResumesAndEndsWhereAnUninterruptedOneEnds) {
  write_spec(
      "variant { name: \"64\" layer { layer: \"fc\" fields: \"inner_product_param { "
      "num_output: 64 }\" } }\n");
  const auto first = experiment();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string uninterrupted = measured_columns(folder_.path() / "results" / "small.csv");
  const std::smatch run = [&] {
    std::smatch m;
    std::regex_search(first.output, m, std::regex("run ([0-9a-f]{16})"));
    return m;
  }();
  ASSERT_FALSE(run.empty());
  const fs::path folder = folder_.path() / "runs" / run[1].str();
  // As if it had been stopped after the snapshot at iteration 2.
  fs::remove(folder / "snapshot_iter_4.h5");
  const auto resumed = experiment();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from snapshot_iter_2.h5"), std::string::npos)
      << resumed.output;
  EXPECT_EQ(measured_columns(folder_.path() / "results" / "small.csv"), uninterrupted);
}

TEST_F(SmallSpec, TrainingsInParallelGiveTheNumbersOfTrainingsInTurn) {
  write_spec(
      "variant { name: \"64\" layer { layer: \"fc\" fields: \"inner_product_param { "
      "num_output: 64 }\" } }\nvariant { name: \"32\" layer { layer: \"fc\" fields: "
      "\"inner_product_param { num_output: 32 }\" } }\n");
  const auto parallel = experiment("--jobs 2");
  ASSERT_EQ(parallel.exit_code, 0) << parallel.output;
  const std::string in_parallel = measured_columns(folder_.path() / "results" / "small.csv");
  // Each training's output went to its run folder, not interleaved on the terminal.
  int outputs = 0;
  for (const auto& run : fs::directory_iterator(folder_.path() / "runs")) {
    if (!fs::exists(run.path() / "train.out")) continue;
    ++outputs;
    EXPECT_NE(read_text(run.path() / "train.out").find("optimization done"), std::string::npos);
  }
  EXPECT_EQ(outputs, 2);
  EXPECT_EQ(parallel.output.find("iter 1/4"), std::string::npos) << parallel.output;

  fs::remove_all(folder_.path() / "runs");
  const auto in_turn = experiment();
  ASSERT_EQ(in_turn.exit_code, 0) << in_turn.output;
  EXPECT_EQ(measured_columns(folder_.path() / "results" / "small.csv"), in_parallel);
}

TEST_F(SmallSpec, SigtermStopsEveryTrainingWithASnapshotAndTheNextRunResumes) {
  write_spec(
      "variant { name: \"64\" layer { layer: \"fc\" fields: \"inner_product_param { "
      "num_output: 64 }\" } }\nvariant { name: \"32\" layer { layer: \"fc\" fields: "
      "\"inner_product_param { num_output: 32 }\" } }\n",
      "scale { name: \"long\" solver: \"max_iter: 100000 display: 1\" }\n");
  const std::string out = folder_ / "out.txt";
  const auto result = testing::run_command(
      "(" + testing::visage_binary() + " experiment " + folder_ / "spec.prototxt" +
      " --scale long > " + out + " 2>&1 & pid=$!; for i in $(seq 600); do grep -q 'iter 2/' " +
      out + " && break; sleep 0.1; done; kill -TERM $pid; wait $pid; echo \"exit $?\")");
  const std::string output = read_text(out);
  // 128 + SIGTERM, once the training has written its snapshot; not a hang waiting for the
  // variant that never started.
  EXPECT_NE(result.output.find("exit 143"), std::string::npos) << result.output << output;
  EXPECT_NE(output.find("stopped by SIGTERM at iteration"), std::string::npos) << output;
  EXPECT_NE(output.find("run the same command again to continue"), std::string::npos) << output;
  EXPECT_EQ(output.find("training small/32"), std::string::npos) << output;
  std::smatch snapshot;
  ASSERT_TRUE(std::regex_search(output, snapshot, std::regex("snapshot: (\\S+_iter_[0-9]+\\.h5)")));
  EXPECT_TRUE(fs::exists(snapshot[1].str())) << snapshot[1];
}

TEST_F(SmallSpec, AFailedTrainingIsReportedWithItsVariantAndRun) {
  // A spec that parses but a data layer that `visage train` refuses when it builds the net.
  write_spec(
      "variant { name: \"broken\" layer { layer: \"faces\" fields: "
      "\"synthetic_face_data_param { identities: 0 }\" } }\n");
  const auto result = experiment();
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("training failed"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("small/broken"), std::string::npos) << result.output;
}

TEST_F(SmallSpec, SpecMistakesAreNamed) {
  write_spec("variant { name: \"a\" layer { layer: \"no_such_layer\" fields: \"\" } }\n");
  auto result = experiment();
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("variant 'a': its train net"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("has no layer 'no_such_layer'"), std::string::npos) << result.output;

  write_spec("variant { name: \"a\" } variant { name: \"a\" }\n");
  result = experiment();
  EXPECT_NE(result.output.find("two variants are named 'a'"), std::string::npos) << result.output;

  write_spec(
      "variant { name: \"a\" layer { layer: \"fc\" fields: \"inner_product_param { "
      "num_output: 64 \" } }\n");
  result = experiment();
  EXPECT_NE(result.output.find("(fields of layer 'fc')"), std::string::npos) << result.output;

  write_spec("variant { name: \"a\" solver: \"base_lr: -1\" }\n");
  result = experiment();
  EXPECT_NE(result.output.find("base_lr"), std::string::npos) << result.output;

  // Found before any training: held-out identities inside the training range, a repeated
  // ensemble member, pairs the held-out set cannot supply.
  write_spec(
      "variant { name: \"a\" layer { layer: \"faces\" fields: \"synthetic_face_data_param { "
      "first_identity: 999990 }\" } }\n");
  result = experiment();
  EXPECT_NE(result.output.find("trains on synthetic identities 999990-1009989, which overlap the "
                               "held-out ones (1000000-1000023)"),
            std::string::npos)
      << result.output;
  write_spec("variant { name: \"a\" } variant { name: \"b\" ensemble: \"a\" ensemble: \"a\" }\n");
  result = experiment();
  EXPECT_NE(result.output.find("ensemble member 'a' is listed twice"), std::string::npos)
      << result.output;
  write_spec("variant { name: \"a\" }\n",
             "scale { name: \"tight\" heldout { identities: 8 per_identity: 2 pairs: 9 folds: 4 "
             "splits: 2 } }\n");
  result = experiment("--scale tight");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("spec.prototxt: heldout"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(folder_.path() / "runs")) << result.output;

  write_spec("variant { name: \"a\" }\n");
  result = experiment("--scale huge");
  EXPECT_NE(result.output.find("no scale named 'huge' (it has: full)"), std::string::npos)
      << result.output;
}

TEST_F(SmallSpec, PlanListsTheRunsWithoutTraining) {
  write_spec(
      "variant { name: \"64\" layer { layer: \"fc\" fields: \"inner_product_param { "
      "num_output: 64 }\" } }\nvariant { name: \"128\" }\n");
  const auto result = experiment("--plan");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(std::regex_search(result.output,
                                std::regex("64: run [0-9a-f]{16}, 4 iterations of 64 images, "
                                           "to train")))
      << result.output;
  EXPECT_FALSE(fs::exists(folder_.path() / "runs"));

  // Under `--conv-algorithms fastest` (other rounding) the same variants train runs of their own.
  const auto fastest = experiment("--plan --conv-algorithms fastest");
  ASSERT_EQ(fastest.exit_code, 0) << fastest.output;
  EXPECT_TRUE(
      std::regex_search(fastest.output, std::regex("64: run [0-9a-f]{16}-fastest, 4 iterations")))
      << fastest.output;
}

}  // namespace
}  // namespace visage
