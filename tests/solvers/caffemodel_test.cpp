// Caffe's binary .caffemodel weights load into the layers of the same name, in both of Caffe's
// blob shape forms.
#include <gtest/gtest.h>

#include <fstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"
#include "tests/support/temp_folder.hpp"

namespace visage {
namespace {

constexpr const char* kNet = R"(
name: "caffe_compatible"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
)";

proto::NetParameter caffe_model(bool legacy_shape) {
  proto::NetParameter model;
  auto* layer = model.add_layer();
  layer->set_name("ip");
  layer->set_type("InnerProduct");
  auto* weights = layer->add_blobs();
  if (legacy_shape) {  // Caffe's first format: num, channels, height, width
    weights->set_num(1);
    weights->set_channels(1);
    weights->set_height(2);
    weights->set_width(3);
  } else {
    weights->mutable_shape()->add_dim(2);
    weights->mutable_shape()->add_dim(3);
  }
  for (float v : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}) weights->add_data(v);
  auto* bias = layer->add_blobs();
  bias->mutable_shape()->add_dim(2);
  for (double v : {0.5, -0.5}) bias->add_double_data(v);
  return model;
}

TEST(Caffemodel, WeightsLoadInEitherShapeForm) {
  const testing::TempFolder folder;
  const std::string path = folder / "model.caffemodel";
  for (bool legacy : {false, true}) {
    write_binary_proto(caffe_model(legacy), path);
    Context ctx = Context::cpu();
    Net net(parse_net_config(kNet), {}, ctx, builtin_layers());
    const WeightsReport report = load_weights(net, path);
    EXPECT_EQ(report.layers_loaded, 1);
    const auto w = net.layer(1).params()[0]->data();
    EXPECT_EQ(std::vector<float>(w.begin(), w.end()), (std::vector<float>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(net.layer(1).params()[1]->data()[1], -0.5f);
  }
}

TEST(Caffemodel, MismatchedShapeAndGarbageAreClearErrors) {
  const testing::TempFolder folder;
  const std::string path = folder / "bad.caffemodel";
  proto::NetParameter model = caffe_model(false);
  model.mutable_layer(0)->mutable_blobs(0)->mutable_shape()->set_dim(1, 4);
  write_binary_proto(model, path);
  Context ctx = Context::cpu();
  Net net(parse_net_config(kNet), {}, ctx, builtin_layers());
  try {
    load_weights(net, path);
    FAIL() << "expected a shape error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has shape (2 x 4)"), std::string::npos) << e.what();
  }
  std::ofstream(path) << "\xff\xff\xff not a model";
  EXPECT_THROW(load_weights(net, path), Error);
}

}  // namespace
}  // namespace visage
