// configs/quickstart: the train net and the deploy net are the same network, and the deploy net's
// input normalises an 8-bit face (as `visage synth` writes it) exactly as SyntheticFaceData
// normalises the faces it trains on, so held-out verification sees what training saw.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/net.hpp"
#include "eval/embedding_extractor.hpp"
#include "layers/synthetic_face_data.hpp"
#include "solvers/builtin_layers.hpp"
#include "synthetic/face.hpp"
#include "tests/support/run_visage.hpp"

namespace visage {
namespace {

// Each learnable layer's name and parameter element count, in order.
std::vector<std::pair<std::string, int64_t>> parameter_layout(const Net& net) {
  std::vector<std::pair<std::string, int64_t>> layout;
  for (int i = 0; i < net.num_layers(); ++i) {
    int64_t count = 0;
    for (const auto& param : net.layer(i).params()) count += param->count();
    if (count > 0) layout.emplace_back(net.layer(i).param().name(), count);
  }
  return layout;
}

TEST(QuickstartConfig, TrainAndDeployNetsAreTheSameNetwork) {
  Context ctx = Context::cpu(1);
  NetOptions train_options;
  train_options.phase = proto::TRAIN;
  Net train(load_net_config(testing::source_path("configs/quickstart/train_val.prototxt")),
            train_options, ctx, builtin_layers());
  Net deploy(load_net_config(testing::source_path("configs/quickstart/deploy.prototxt")),
             NetOptions{}, ctx, builtin_layers());
  EXPECT_EQ(train.num_param_elements(), 505'700);
  EXPECT_EQ(parameter_layout(train), parameter_layout(deploy));
  ASSERT_NE(deploy.tensor("embedding"), nullptr);
  EXPECT_EQ(deploy.tensor("embedding")->shape(), (Shape{64, 128}));
  ASSERT_NE(train.tensor("triplets"), nullptr);
}

TEST(QuickstartConfig, DeployInputNormalisesLikeSyntheticFaceData) {
  const NetConfig deploy =
      load_net_config(testing::source_path("configs/quickstart/deploy.prototxt"));
  synthetic::SyntheticFaceConfig config;
  config.seed = 1;
  config.size = 64;
  const synthetic::FaceImage face = synthetic::render_face(config, 1'000'000, 0);
  data::Image bytes(64, 64, 3);
  for (size_t i = 0; i < bytes.pixels.size(); ++i)
    bytes.pixels[i] = synthetic::face_pixel_byte(face.pixels[i]);

  const data::FloatImage prepared = eval::prepare_for_input(bytes, deploy.param.layer(0), 64, 64);
  ASSERT_EQ(prepared.pixels.size(), bytes.pixels.size());
  for (size_t i = 0; i < bytes.pixels.size(); ++i) {
    const float trained_on =
        (static_cast<float>(bytes.pixels[i]) / 255.0f - SyntheticFaceDataLayer::kMean) /
        SyntheticFaceDataLayer::kSpread;
    ASSERT_NEAR(prepared.pixels[i], trained_on, 2e-5f) << "pixel value " << int{bytes.pixels[i]};
  }
}

TEST(QuickstartConfig, SolverTestsHeldOutIdentitiesOnTheEmbedding) {
  const proto::SolverParameter solver =
      load_solver_config(testing::source_path("configs/quickstart/solver.prototxt"));
  EXPECT_EQ(solver.net(), "train_val.prototxt");
  ASSERT_EQ(solver.verification_test_size(), 1);
  EXPECT_EQ(solver.verification_test(0).blob(), "embedding");
  EXPECT_EQ(solver.verification_test(0).pairs(), "data/quickstart/heldout/pairs.txt");
  EXPECT_GT(solver.test_interval(), 0);
  EXPECT_EQ(solver.max_iter() % solver.test_interval(), 0) << "the last test is the final one";
}

}  // namespace
}  // namespace visage
