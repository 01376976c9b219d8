// The seed papers' networks, built from their shipped configs (configs/<net>/): each deploy net's
// output shape and its parameter and multiply-add totals, against the papers where they give them;
// each train_val net built for TRAIN and TEST on a tiny synthetic dataset with the deploy net's
// layers; each solver accepted with the paper's final learning rate; and the configs matching
// scripts/make_configs.py, which writes them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "core/error.hpp"
#include "core/net.hpp"
#include "datasets/synthetic_face_files.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/lr_policy.hpp"
#include "solvers/update_rule.hpp"
#include "synthetic/dataset.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;

struct SeedNetwork {
  const char* folder;  // under configs/
  const char* output;
  int64_t output_width;
  int64_t parameters;
  int64_t macs;  // multiply-adds per image, FaceNet's "FLOPs"
  // What the papers say, 0 where they say nothing; ours must be within 5%.
  double paper_parameters;
  double paper_macs;
};

// Every weight filled with a constant: filling hundreds of millions of weights from a Gaussian
// takes seconds and tells nothing about shapes or counts.
void use_constant_fillers(google::protobuf::Message& message) {
  const auto* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        use_constant_fillers(*reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else if (field->message_type() == proto::FillerParameter::descriptor()) {
      static_cast<proto::FillerParameter*>(reflection->MutableMessage(&message, field))
          ->set_type("constant");
    } else {
      use_constant_fillers(*reflection->MutableMessage(&message, field));
    }
  }
}

NetConfig load_seed_config(const std::string& folder, const std::string& file) {
  return load_net_config(testing::source_path("configs/" + folder + "/" + file));
}

// The way `visage summary` totals them: every layer's multiply-adds for one sample.
int64_t macs_per_sample(Net& net) {
  int64_t total = 0;
  for (int i = 0; i < net.num_layers(); ++i) {
    const int64_t batch = net.tops(i).empty() ? 1 : net.tops(i)[0]->dim(0);
    total += net.layer(i).forward_macs(net.bottoms(i), net.tops(i)) / batch;
  }
  return total;
}

class SeedNetworks : public ::testing::TestWithParam<SeedNetwork> {
 protected:
  // Three synthetic identities of three 32x32 faces, for every FaceData layer (TRAIN and TEST).
  static void SetUpTestSuite() {
    synthetic::SyntheticDatasetSpec spec;
    spec.face.size = 32;
    spec.identities = 3;
    spec.images_per_identity = 3;
    folder_ = std::make_unique<testing::TempFolder>();
    data::write_synthetic_dataset(spec, dataset());
  }
  static void TearDownTestSuite() { folder_.reset(); }
  static fs::path dataset() { return folder_->path() / "faces"; }

  // train_val.prototxt reading the tiny dataset in batches of 4 (2 identities x 2 faces).
  static NetConfig tiny_train_val(const SeedNetwork& seed) {
    NetConfig config = load_seed_config(seed.folder, "train_val.prototxt");
    int data_layers = 0;
    for (auto& layer : *config.param.mutable_layer()) {
      if (layer.type() != "FaceData") continue;
      ++data_layers;
      auto& p = *layer.mutable_face_data_param();
      p.set_source(dataset().string());
      p.set_prefetch_threads(1);
      if (p.identities_per_batch() > 0) {
        p.set_identities_per_batch(2);
        p.set_images_per_identity(2);
      } else {
        p.set_batch_size(4);
      }
    }
    EXPECT_EQ(data_layers, 2) << "one FaceData layer per phase";
    if (seed.parameters > 30'000'000) use_constant_fillers(config.param);
    return config;
  }

  // Made in SetUpTestSuite() and removed in TearDownTestSuite(): the dataset is shared by the
  // suite's tests, not made again for each.
  static inline std::unique_ptr<testing::TempFolder> folder_;
};

TEST_P(SeedNetworks, DeployTotalsMatchThePapers) {
  const SeedNetwork& seed = GetParam();
  NetConfig config = load_seed_config(seed.folder, "deploy.prototxt");
  use_constant_fillers(config.param);
  Context ctx = Context::cpu();
  NetOptions options;
  options.phase = proto::TEST;
  Net net(config, options, ctx, builtin_layers());
  Tensor* output = net.tensor(seed.output);
  ASSERT_NE(output, nullptr);
  EXPECT_EQ(output->shape(), (Shape{16, seed.output_width}));
  EXPECT_EQ(net.num_param_elements(), seed.parameters);
  EXPECT_EQ(macs_per_sample(net), seed.macs);
  if (seed.paper_parameters > 0) {
    EXPECT_NEAR(net.num_param_elements() / seed.paper_parameters, 1.0, 0.05);
  }
  if (seed.paper_macs > 0) {
    EXPECT_NEAR(macs_per_sample(net) / seed.paper_macs, 1.0, 0.05);
  }
}

TEST_P(SeedNetworks, TrainValBuildsWithTheDeployLayersAndTheSolverAcceptsIt) {
  const SeedNetwork& seed = GetParam();
  const NetConfig deploy = load_seed_config(seed.folder, "deploy.prototxt");
  const auto& input = deploy.param.layer(0).input_param().shape(0);
  const NetConfig config = tiny_train_val(seed);
  Context ctx = Context::cpu(1);
  const bool softmax = std::string_view(seed.folder).starts_with("deepface");
  // The depth ablations' TEST nets are DeepFace's with the layers DeployTotals builds: another
  // 240-370M parameters (several seconds of page faults each) would check nothing new.
  std::vector<proto::Phase> phases = {proto::TRAIN};
  if (seed.parameters < 200'000'000) phases.push_back(proto::TEST);
  for (const proto::Phase phase : phases) {
    SCOPED_TRACE(phase == proto::TRAIN ? "TRAIN" : "TEST");
    NetOptions options;
    options.phase = phase;
    Net net(config, options, ctx, builtin_layers());
    const Tensor* data = net.tensor("data");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->shape(), (Shape{4, input.dim(1), input.dim(2), input.dim(3)}));
    ASSERT_NE(net.tensor("loss"), nullptr);
    EXPECT_EQ(net.tensor("accuracy") != nullptr, softmax && phase == proto::TEST);
    EXPECT_EQ(net.num_param_elements(), seed.parameters) << "the deploy net's layers";
    if (phase != proto::TRAIN) continue;

    const std::string solver_path =
        testing::source_path(concat("configs/", seed.folder, "/solver.prototxt"));
    const proto::SolverParameter solver = load_solver_config(solver_path);
    EXPECT_EQ(solver.net(), "train_val.prototxt");
    EXPECT_NO_THROW(make_update_rule(solver, net.learnable_params(), net.num_param_elements()));
    // DeepFace: 0.01 down to 0.0001; FaceNet: AdaGrad from 0.05, lowered once.
    const LrPolicy policy(solver);
    EXPECT_FLOAT_EQ(policy.rate(0), softmax ? 0.01f : 0.05f);
    EXPECT_FLOAT_EQ(policy.rate(solver.max_iter()), softmax ? 0.0001f : 0.005f);
    EXPECT_EQ(solver.type(), softmax ? "SGD" : "AdaGrad");

    if (seed.parameters > 30'000'000) continue;
    // The small networks also take a training step on real faces with their own fillers.
    const float loss = net.forward_backward(ctx);
    EXPECT_TRUE(std::isfinite(loss)) << loss;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Papers, SeedNetworks,
    ::testing::Values(
        // DeepFace with the paper's 4,030 identities: "more than 120 million parameters".
        SeedNetwork{"deepface", "F8", 4030, 118'923'774, 519'076'256, 120e6, 0},
        // The depth ablation: the layers after a removed one see larger maps, so F7 grows.
        SeedNetwork{"deepface/sub1", "F8", 4030, 236'725'486, 472'295'584, 0, 0},
        SeedNetwork{"deepface/sub2", "F8", 4030, 267'033'054, 667'195'296, 0, 0},
        SeedNetwork{"deepface/sub3", "F8", 4030, 368'248'782, 603'834'016, 0, 0},
        // FaceNet NN1: 140M parameters, 1.6B FLOPs.
        SeedNetwork{"facenet_nn1", "embedding", 128, 140'025'664, 1'609'831'488, 140e6, 1.6e9},
        // FaceNet NN2: 7.5M parameters, 1.6B FLOPs.
        SeedNetwork{"facenet_nn2", "embedding", 128, 7'456'304, 1'609'168'768, 7.5e6, 1.6e9},
        // NN3: NN2 at 160x160 (the paper gives no totals).
        SeedNetwork{"facenet_nn3", "embedding", 128, 7'456'304, 821'068'672, 0, 0},
        // NN4: NN2 at 96x96 without the high 5x5 convolutions: 285M FLOPs.
        SeedNetwork{"facenet_nn4", "embedding", 128, 6'607'888, 287'041'024, 0, 285e6},
        // NNS1: about 26M parameters, 220M FLOPs; NNS2: 4.3M parameters, 20M FLOPs.
        SeedNetwork{"facenet_nns1", "embedding", 128, 26'047'344, 219'577'216, 26e6, 220e6},
        SeedNetwork{"facenet_nns2", "embedding", 128, 4'265'972, 19'781'796, 4.3e6, 20e6}),
    [](const auto& test) {
      std::string name = test.param.folder;
      for (char& c : name) c = c == '/' ? '_' : c;
      return name;
    });

// The committed configs are what scripts/make_configs.py writes (deploy and train_val share one
// layer list there).
TEST(SeedNetworkConfigs, MatchTheirGenerator) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  const std::string command =
      "python3 " + testing::source_path("scripts/make_configs.py") + " --check 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace visage
