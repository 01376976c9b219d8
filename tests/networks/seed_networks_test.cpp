// The seed papers' networks, built from their shipped configs: output shapes and parameter totals
// against the papers (and the PyTorch reference in ../shared/reference/models.py, which counts
// the same totals).
#include <gtest/gtest.h>

#include "core/net.hpp"
#include "tests/support/run_visage.hpp"

namespace visage {
namespace {

struct SeedNetwork {
  const char* config;
  const char* output;
  Shape output_shape;
  int64_t parameters;
};

class SeedNetworks : public ::testing::TestWithParam<SeedNetwork> {};

TEST_P(SeedNetworks, ShapesAndParameterTotalsMatchThePapers) {
  const SeedNetwork& seed = GetParam();
  Context ctx = Context::cpu();
  NetOptions options;
  options.phase = proto::TEST;
  Net net(load_net_config(testing::source_path(seed.config)), options, ctx);
  Tensor* output = net.tensor(seed.output);
  ASSERT_NE(output, nullptr);
  EXPECT_EQ(output->shape(), seed.output_shape);
  EXPECT_EQ(net.num_param_elements(), seed.parameters);
}

INSTANTIATE_TEST_SUITE_P(
    Papers, SeedNetworks,
    ::testing::Values(
        // DeepFace with the paper's 4,030 identities: 118.9M parameters.
        SeedNetwork{"configs/deepface/deploy.prototxt", "F8", {16, 4030}, 118'923'774},
        // FaceNet NN1: 140.0M parameters.
        SeedNetwork{"configs/facenet_nn1/deploy.prototxt", "embedding", {16, 128}, 140'025'664},
        // FaceNet NN2: 7.5M parameters.
        SeedNetwork{"configs/facenet_nn2/deploy.prototxt", "embedding", {16, 128}, 7'456'304}),
    [](const auto& test) {
      const std::string config = test.param.config;
      return config.substr(8, config.find('/', 8) - 8);
    });

}  // namespace
}  // namespace visage
