// Verification during training (SolverParameter.verification_test) on synthetic faces written by
// the test: when it runs, what it logs, that it measures the weights being trained (the same
// figures as `visage verify` on the snapshot), and that it fails early and clearly.
#include "solvers/training_verification.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/config.hpp"
#include "datasets/synthetic_face_files.hpp"
#include "datasets/transform_pipeline.hpp"
#include "layers/synthetic_face_data.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/embedding_net.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "synthetic/dataset.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"
#include "tests/support/run_visage.hpp"

namespace visage {
namespace {

using testing::quiet_solver_options;
using testing::TempFolder;
using testing::write_text;

// 16 x 16 grey faces: 12 training identities x 4 images, and 8 other identities x 3 images with a
// pairs file of 2 identity-disjoint folds of 4 matched + 4 mismatched pairs.
void write_faces(const TempFolder& folder) {
  synthetic::SyntheticDatasetSpec spec;
  spec.face.seed = 3;
  spec.face.size = 16;
  spec.face.channels = 1;
  spec.identities = 12;
  spec.images_per_identity = 4;
  spec.pairs_per_fold = 0;
  data::write_synthetic_dataset(spec, folder / "train");
  spec.first_identity = 100;
  spec.identities = 8;
  spec.images_per_identity = 3;
  spec.folds = 2;
  spec.pairs_per_fold = 4;
  data::write_synthetic_dataset(spec, folder / "faces");
}

// FaceData -> emb (the 8-d embedding) -> cls -> softmax loss over the 12 training identities.
std::string train_net(const TempFolder& folder, const std::string& relu = "") {
  return concat(R"(name: "faces"
layer { name: "data" type: "FaceData" top: "data" top: "label"
        face_data_param { source: ")",
                folder / "train", R"(" batch_size: 12 seed: 1 }
        face_transform_param { channels: 1 scale: 0.00390625 } }
layer { name: "emb" type: "InnerProduct" bottom: "data" top: "emb"
        inner_product_param { num_output: 8 weight_filler { type: "gaussian" std: 0.05 } } }
)",
                relu, R"(
layer { name: "cls" type: "InnerProduct" bottom: "emb" top: "cls"
        inner_product_param { num_output: 12 weight_filler { type: "gaussian" std: 0.05 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "cls" bottom: "label" top: "loss" }
)");
}

// The deploy net `visage verify` uses: the same embedding layer behind an Input that prepares
// images as the FaceData layer above does.
constexpr const char* kDeploy = R"(name: "faces_deploy"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 12 dim: 1 dim: 16 dim: 16 } }
        face_transform_param { channels: 1 scale: 0.00390625 } }
layer { name: "emb" type: "InnerProduct" bottom: "data" top: "emb" inner_product_param { num_output: 8 } }
)";

std::string solver_text(const std::string& verification) {
  return concat(R"(net: "net.prototxt"
base_lr: 0.1
lr_policy: "fixed"
momentum: 0.9
max_iter: 10
test_interval: 4
random_seed: 5
snapshot_prefix: "snap/faces"
)",
                verification);
}

class TrainingVerificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_faces(folder_);
    write_text(folder_ / "net.prototxt", train_net(folder_));
    write_text(folder_ / "deploy.prototxt", kDeploy);
  }

  // Writes the solver file and trains; returns the JSON log's lines.
  std::vector<std::string> train(const std::string& verification) {
    const std::string path = folder_ / "solver.prototxt";
    write_text(path, solver_text(verification));
    Context ctx = Context::cpu();
    Solver solver(load_solver_config(path), ctx, quiet_solver_options(path));
    EXPECT_EQ(solver.solve(), SolveOutcome::finished);
    last_params_.assign(solver.net().all_params().data().begin(),
                        solver.net().all_params().data().end());
    std::ifstream log(folder_ / "snap/faces_log.jsonl");
    std::vector<std::string> lines;
    for (std::string line; std::getline(log, line);) lines.push_back(line);
    return lines;
  }

  std::string construction_error(const std::string& verification) {
    const std::string path = folder_ / "solver.prototxt";
    write_text(path, solver_text(verification));
    Context ctx = Context::cpu();
    try {
      Solver solver(load_solver_config(path), ctx, quiet_solver_options(path));
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  TempFolder folder_;
  std::vector<float> last_params_;
};

// The text of a JSON number field, as written (every digit): `"key": value` or `"key":value`.
std::string field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return "(no " + key + ")";
  auto begin = at + key.size() + 3;
  while (begin < json.size() && json[begin] == ' ') ++begin;
  const auto end = json.find_first_of(",}\n", begin);
  return json.substr(begin, end - begin);
}

double number(const std::string& json, const std::string& key) {
  const std::string text = field(json, key);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  EXPECT_EQ(end, text.c_str() + text.size()) << key << " is not a number: " << text;
  return value;
}

// Verification lines by iteration.
std::map<int, std::string> verifications(const std::vector<std::string>& log) {
  std::map<int, std::string> by_iter;
  for (const std::string& line : log) {
    if (line.rfind("{\"type\":\"verification\",", 0) == 0) {
      by_iter[static_cast<int>(number(line, "iter"))] = line;
    }
  }
  return by_iter;
}

TEST_F(TrainingVerificationTest, LogsEveryTestAndAgreesWithVisageVerifyOnTheSnapshot) {
  const auto log = train(R"(verification_test { name: "synth" pairs: "faces/pairs.txt"
                            images: "faces" blob: "emb" far: 0.25 })");
  const auto by_iter = verifications(log);
  // test_interval 4 with test_initialization, and the end of the 10-iteration run.
  std::vector<int> iters;
  for (const auto& [iter, line] : by_iter) iters.push_back(iter);
  EXPECT_EQ(iters, (std::vector<int>{0, 4, 8, 10}));
  for (const auto& [iter, line] : by_iter) {
    EXPECT_EQ(field(line, "name"), "\"synth\"") << line;
    EXPECT_EQ(field(line, "threshold_rule"), "\"cross_validated\"") << line;
    EXPECT_EQ(number(line, "pairs"), 16) << line;
    EXPECT_EQ(number(line, "folds"), 2) << line;
    for (const char* key : {"accuracy", "auc", "eer"}) {
      const double value = number(line, key);
      EXPECT_TRUE(value >= 0 && value <= 1) << key << " " << value << " in " << line;
    }
    EXPECT_GE(number(line, "accuracy_standard_error"), 0) << line;
    EXPECT_NE(line.find("\"val\":{\"0.25\":"), std::string::npos) << line;
  }
  // The weights moved between the first and the last test, and the test saw it.
  EXPECT_NE(field(by_iter.at(0), "auc"), field(by_iter.at(10), "auc"));

  const auto verify = testing::run_visage(
      "verify --device cpu --json --far 0.25 --model " + (folder_ / "deploy.prototxt") +
      " --weights " + (folder_ / "snap/faces_iter_10.h5") + " --images " + (folder_ / "faces") +
      " --pairs " + (folder_ / "faces/pairs.txt"));
  ASSERT_EQ(verify.exit_code, 0) << verify.output;
  for (const char* key : {"accuracy", "accuracy_standard_error", "auc", "eer"}) {
    EXPECT_EQ(field(by_iter.at(10), key), field(verify.output, key)) << key << "\n"
                                                                     << verify.output;
  }
}

TEST_F(TrainingVerificationTest, DeployModelAgreesWithTheDerivedNetAndTrainingIsUnchanged) {
  train("");
  const std::vector<float> untested = last_params_;
  const auto derived = verifications(
      train(R"(verification_test { pairs: "faces/pairs.txt" images: "faces" blob: "emb" })"));
  EXPECT_EQ(last_params_, untested) << "a verification test changed the training run";
  const auto deploy = verifications(train(
      R"(verification_test { pairs: "faces/pairs.txt" images: "faces" model: "deploy.prototxt" })"));
  EXPECT_EQ(last_params_, untested);
  ASSERT_EQ(derived.size(), 4u);
  ASSERT_EQ(deploy.size(), 4u);
  for (const auto& [iter, line] : derived) {
    EXPECT_EQ(field(line, "name"), "\"verify\"");
    for (const char* key : {"accuracy", "auc", "eer", "val"}) {
      EXPECT_EQ(field(line, key), field(deploy.at(iter), key)) << key << " at " << iter;
    }
  }
}

TEST_F(TrainingVerificationTest, OneFoldThresholdComesFromThresholdPairs) {
  // View 1 files: fitting on fold 1's pairs, evaluating fold 2's.
  std::ifstream in(folder_ / "faces/pairs.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 17u);
  std::string fit = "4\n";
  std::string evaluate = "4\n";
  for (size_t i = 1; i <= 8; ++i) fit += lines[i] + "\n";
  for (size_t i = 9; i <= 16; ++i) evaluate += lines[i] + "\n";
  write_text(folder_ / "fit.txt", fit);
  write_text(folder_ / "evaluate.txt", evaluate);

  const auto fitted = verifications(train(R"(verification_test { pairs: "evaluate.txt"
      threshold_pairs: "fit.txt" images: "faces" model: "deploy.prototxt" })"));
  const std::string& last = fitted.at(10);
  EXPECT_EQ(field(last, "threshold_rule"), "\"threshold_pairs\"") << last;
  EXPECT_EQ(field(last, "accuracy_standard_error"), "null") << last;
  const auto verify = testing::run_visage(
      "verify --device cpu --json --model " + (folder_ / "deploy.prototxt") + " --weights " +
      (folder_ / "snap/faces_iter_10.h5") + " --images " + (folder_ / "faces") + " --pairs " +
      (folder_ / "evaluate.txt") + " --threshold " + field(last, "threshold"));
  ASSERT_EQ(verify.exit_code, 0) << verify.output;
  for (const char* key : {"accuracy", "auc"}) {
    EXPECT_EQ(field(last, key), field(verify.output, key)) << key << "\n" << verify.output;
  }

  const auto optimistic = verifications(train(
      R"(verification_test { pairs: "evaluate.txt" images: "faces" model: "deploy.prototxt" })"));
  EXPECT_EQ(field(optimistic.at(10), "threshold_rule"), "\"best_on_pairs\"");
}

TEST_F(TrainingVerificationTest, MissingImageFailsAtStartNamingTheFileAndLine) {
  write_text(folder_ / "missing.txt",
             "1\nsynthetic_000100\t1\t2\nsynthetic_000100\t1\tnobody\t1\n");
  const std::string error = construction_error(
      R"(verification_test { pairs: "missing.txt" images: "faces" blob: "emb" })");
  EXPECT_NE(error.find("missing.txt:3: image 'nobody/nobody_0001.jpg' not found"),
            std::string::npos)
      << error;
}

TEST_F(TrainingVerificationTest, ConfigurationErrorsSayWhatToSet) {
  EXPECT_NE(construction_error(R"(verification_test { pairs: "faces/pairs.txt" images: "faces" })")
                .find("set blob"),
            std::string::npos);
  EXPECT_NE(construction_error(
                R"(verification_test { pairs: "faces/pairs.txt" images: "faces" blob: "nothing" })")
                .find("no layer of the train net gives the top 'nothing'"),
            std::string::npos);
  EXPECT_NE(
      construction_error(R"(verification_test { pairs: "faces/pairs.txt" images: "faces" blob: "emb"
                            threshold_pairs: "faces/pairs.txt" })")
          .find("threshold_pairs is for a one-fold"),
      std::string::npos);
  write_text(folder_ / "deploy2.prototxt",
             std::string(kDeploy) + R"(layer { name: "extra" type: "InnerProduct" bottom: "emb"
                                       top: "extra" inner_product_param { num_output: 2 } })");
  EXPECT_NE(
      construction_error(R"(verification_test { pairs: "faces/pairs.txt" images: "faces"
                                  model: "deploy2.prototxt" blob: "extra" })")
          .find("layer 'extra' (InnerProduct) has parameters, but the train net has no layer"),
      std::string::npos);
  const std::string no_interval = folder_ / "solver.prototxt";
  write_text(no_interval, R"(net: "net.prototxt" base_lr: 0.1 lr_policy: "fixed" max_iter: 1
      verification_test { pairs: "faces/pairs.txt" images: "faces" blob: "emb" })");
  Context ctx = Context::cpu();
  try {
    Solver solver(load_solver_config(no_interval), ctx, quiet_solver_options(no_interval));
    ADD_FAILURE() << "expected an error without test_interval";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("set test_interval > 0"), std::string::npos) << e.what();
  }
}

TEST_F(TrainingVerificationTest, DerivedNetKeepsOnlyWhatTheEmbeddingNeeds) {
  write_text(folder_ / "net.prototxt",
             train_net(folder_, R"(layer { name: "relu" type: "ReLU" bottom: "emb" top: "emb" })"));
  Context ctx = Context::cpu();
  Net train(load_net_config(folder_ / "net.prototxt"), NetOptions{}, ctx, builtin_layers());
  const DerivedEmbeddingNet derived = derive_embedding_net(train, "emb", 5);
  const auto& layers = derived.config.param.layer();
  ASSERT_EQ(layers.size(), 3);
  EXPECT_EQ(layers[0].type(), "Input");
  EXPECT_EQ(layers[0].top(0), "data");
  EXPECT_EQ(std::vector<int64_t>(layers[0].input_param().shape(0).dim().begin(),
                                 layers[0].input_param().shape(0).dim().end()),
            (std::vector<int64_t>{5, 1, 16, 16}));
  EXPECT_EQ(layers[1].name(), "emb");
  EXPECT_EQ(layers[2].name(), "relu");  // in place on the embedding: part of its value
  EXPECT_EQ(derived.transform.channels(), 1u);
  EXPECT_FLOAT_EQ(derived.transform.scale(), 0.00390625f);
  EXPECT_EQ(derived.config.where(1), (folder_ / "net.prototxt") + ":5");
}

TEST(DerivedEmbeddingNet, PreparesFilesAsSyntheticFaceDataNormalisesItsFaces) {
  Context ctx = Context::cpu();
  Net train(parse_net_config(R"(name: "synthetic"
layer { name: "data" type: "SyntheticFaceData" top: "data" top: "label"
        synthetic_face_data_param { size: 16 channels: 1 identities: 4 batch_size: 4 threads: 1 } }
layer { name: "emb" type: "InnerProduct" bottom: "data" top: "emb" inner_product_param { num_output: 2 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "emb" bottom: "label" top: "loss" }
)"),
            NetOptions{}, ctx, builtin_layers());
  const DerivedEmbeddingNet derived = derive_embedding_net(train, "emb", 0);
  EXPECT_EQ(derived.config.param.layer(0).input_param().shape(0).dim(0), 4);
  const data::TransformPipeline pipeline(derived.transform, false);
  data::Image bytes(1, 3, 1);
  bytes.pixels = {0, 51, 255};
  Rng rng(1);
  const data::FloatImage x = pipeline.apply(bytes, rng);
  for (size_t i = 0; i < 3; ++i) {
    const float pixel = static_cast<float>(bytes.pixels[i]) / 255.0f;
    EXPECT_FLOAT_EQ(x.pixels[i],
                    (pixel - SyntheticFaceDataLayer::kMean) / SyntheticFaceDataLayer::kSpread)
        << static_cast<int>(bytes.pixels[i]);
  }
}

}  // namespace
}  // namespace visage
