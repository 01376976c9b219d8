// configs/lfw/: the LFW networks' train_val nets read the real LFW under the protocol's fold
// filter, take a training step, and have the deploy net's layers; the deploy nets prepare images
// as the TEST phase does.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/net.hpp"
#include "datasets/image_io.hpp"
#include "datasets/transform_pipeline.hpp"
#include "eval/embedding_extractor.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/datasets/dataset_test_support.hpp"
#include "tests/support/run_visage.hpp"

namespace visage {
namespace {

NetConfig load_lfw_config(const std::string& style, const std::string& file) {
  return load_net_config(testing::source_path("configs/lfw/" + style + "/" + file));
}

// A folder of configs/lfw/, the side of the square images its nets take, and its training batch.
struct LfwStyle {
  const char* name;
  int64_t side;
  int64_t batch;
};

// The deploy net's input: N x 3 x side x side.
void expect_deploy_input(const NetConfig& deploy, int64_t side) {
  const auto& input = deploy.param.layer(0);
  ASSERT_EQ(input.type(), "Input");
  ASSERT_EQ(input.input_param().shape_size(), 1);
  const auto& shape = input.input_param().shape(0);
  ASSERT_EQ(shape.dim_size(), 4);
  EXPECT_EQ(shape.dim(1), 3);
  EXPECT_EQ(shape.dim(2), side);
  EXPECT_EQ(shape.dim(3), side);
}

class LfwConfigs : public ::testing::TestWithParam<LfwStyle> {};

TEST_P(LfwConfigs, TrainOnTheOtherFoldsIdentitiesWithTheDeployLayers) {
  SKIP_WITHOUT_LFW();
  const std::string style = GetParam().name;
  const int64_t side = GetParam().side;
  NetConfig train_val = load_lfw_config(style, "train_val.prototxt");
  const auto root = testing::lfw_root();
  auto& data = *train_val.param.mutable_layer(0);
  ASSERT_EQ(data.type(), "FaceData");
  auto& p = *data.mutable_face_data_param();
  // The config names data/lfw (scripts/lfw.sh links it); the test reads the shared copy.
  EXPECT_EQ(p.source(), "data/lfw/images");
  EXPECT_EQ(p.exclude_pairs_file(), "data/lfw/protocol/pairs.txt");
  p.set_source((root / "images").string());
  p.set_exclude_pairs_file((root / "protocol/pairs.txt").string());
  ASSERT_EQ(p.exclude_folds_size(), 1);
  EXPECT_EQ(p.exclude_folds(0), 0u) << "the shipped file holds out fold 1";
  EXPECT_TRUE(p.pairs_identities_only());
  EXPECT_EQ(int64_t{p.identities_per_batch()} * p.images_per_identity(), GetParam().batch);
  // A smaller batch for the step below.
  p.set_identities_per_batch(4);
  p.set_images_per_identity(2);
  p.set_prefetch_threads(1);

  Context ctx = Context::cpu(1);
  NetOptions options;
  options.phase = proto::TRAIN;
  Net net(train_val, options, ctx, builtin_layers());
  const float loss = net.forward_backward(ctx);
  EXPECT_TRUE(std::isfinite(loss) && loss > 0) << loss;
  EXPECT_EQ(net.tensor("data")->shape(), (Shape{8, 3, side, side}));
  const NetConfig deploy_config = load_lfw_config(style, "deploy.prototxt");
  expect_deploy_input(deploy_config, side);

  options.phase = proto::TEST;
  Net deploy(deploy_config, options, ctx, builtin_layers());
  EXPECT_EQ(deploy.tensor("embedding")->dim(1), style.starts_with("nn2") ? 128 : 512);
  int64_t deploy_params = deploy.num_param_elements();
  // The DeepFace-style net's F8 classifier is training-only.
  if (style == std::string("deepface")) deploy_params += 512 * 1628 + 1628;
  EXPECT_EQ(net.num_param_elements(), deploy_params);
}

TEST_P(LfwConfigs, DeployPreparesImagesAsTheTestPhase) {
  SKIP_WITHOUT_LFW();
  const std::string style = GetParam().name;
  const auto side = static_cast<int>(GetParam().side);
  const NetConfig train_val = load_lfw_config(style, "train_val.prototxt");
  const NetConfig deploy = load_lfw_config(style, "deploy.prototxt");
  const data::Image image =
      data::read_image(testing::lfw_root() / "images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg", 3);
  const data::TransformPipeline test_phase(train_val.param.layer(0).face_transform_param(),
                                           /*train=*/false);
  Rng rng(1);
  const data::FloatImage expected = test_phase.apply(image, rng);
  expect_deploy_input(deploy, side);
  const data::FloatImage prepared =
      eval::prepare_for_input(image, deploy.param.layer(0), side, side);
  ASSERT_EQ(prepared.pixels.size(), expected.pixels.size());
  for (size_t i = 0; i < expected.pixels.size(); ++i) {
    ASSERT_FLOAT_EQ(prepared.pixels[i], expected.pixels[i]) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Styles, LfwConfigs,
    ::testing::Values(LfwStyle{"nn2", 64, 64}, LfwStyle{"nn2_tuned", 64, 64},
                      LfwStyle{"nn2_long", 64, 64}, LfwStyle{"nn2_xlong", 64, 64},
                      LfwStyle{"nn2_xxlong", 64, 64}, LfwStyle{"nn2_96", 96, 64},
                      LfwStyle{"nn2_96_p32", 96, 128}, LfwStyle{"nn2_112", 112, 64},
                      LfwStyle{"deepface", 64, 64}),
    [](const ::testing::TestParamInfo<LfwStyle>& style) { return std::string(style.param.name); });

}  // namespace
}  // namespace visage
