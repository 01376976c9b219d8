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

// The square input side the deploy net is fed (64 for most styles, 96 or 112 for the larger ones).
int64_t input_side(const NetConfig& deploy) {
  return deploy.param.layer(0).input_param().shape(0).dim(3);
}

class LfwConfigs : public ::testing::TestWithParam<const char*> {};

TEST_P(LfwConfigs, TrainOnTheOtherFoldsIdentitiesWithTheDeployLayers) {
  SKIP_WITHOUT_LFW();
  const std::string style = GetParam();
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
  p.set_identities_per_batch(4);
  p.set_images_per_identity(2);
  p.set_prefetch_threads(1);

  Context ctx = Context::cpu(1);
  NetOptions options;
  options.phase = proto::TRAIN;
  Net net(train_val, options, ctx, builtin_layers());
  const float loss = net.forward_backward(ctx);
  EXPECT_TRUE(std::isfinite(loss) && loss > 0) << loss;
  const NetConfig deploy_config = load_lfw_config(style, "deploy.prototxt");
  const int64_t side = input_side(deploy_config);
  EXPECT_EQ(net.tensor("data")->shape(), (Shape{8, 3, side, side}));

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
  const std::string style = GetParam();
  const NetConfig train_val = load_lfw_config(style, "train_val.prototxt");
  const NetConfig deploy = load_lfw_config(style, "deploy.prototxt");
  const data::Image image =
      data::read_image(testing::lfw_root() / "images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg", 3);
  const data::TransformPipeline test_phase(train_val.param.layer(0).face_transform_param(),
                                           /*train=*/false);
  Rng rng(1);
  const data::FloatImage expected = test_phase.apply(image, rng);
  const int64_t side = input_side(deploy);
  const data::FloatImage prepared = eval::prepare_for_input(
      image, deploy.param.layer(0), static_cast<int>(side), static_cast<int>(side));
  ASSERT_EQ(prepared.pixels.size(), expected.pixels.size());
  for (size_t i = 0; i < expected.pixels.size(); ++i) {
    ASSERT_FLOAT_EQ(prepared.pixels[i], expected.pixels[i]) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, LfwConfigs,
                         ::testing::Values("nn2", "nn2_tuned", "nn2_long", "nn2_xlong",
                                           "nn2_xxlong", "nn2_96", "nn2_96_p32", "nn2_112",
                                           "deepface"));

}  // namespace
}  // namespace visage
