// `visage export --onnx`: a trained network as an ONNX model for other runtimes, optionally with
// a check file of Visage's own outputs on random inputs to verify a runtime against.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/error.hpp"
#include "core/net.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"
#include "tools/net_table.hpp"
#include "tools/onnx_check.hpp"
#include "tools/onnx_export.hpp"
#include "tools/onnx_layers.hpp"
#include "tools/options.hpp"

namespace visage::tools {
namespace {

// Sets the batch (first) dimension of every input the config declares: Input layers and the
// legacy `input_shape` / `input_dim` fields.
void set_exported_batch(proto::NetParameter& net, int64_t batch) {
  for (auto& layer : *net.mutable_layer()) {
    if (layer.type() != "Input") continue;
    for (auto& shape : *layer.mutable_input_param()->mutable_shape()) {
      if (shape.dim_size() > 0) shape.set_dim(0, batch);
    }
  }
  for (auto& shape : *net.mutable_input_shape()) {
    if (shape.dim_size() > 0) shape.set_dim(0, batch);
  }
  for (int i = 0; i < net.input_dim_size(); i += 4)
    net.set_input_dim(i, static_cast<int32_t>(batch));
}

// "[N, 3, 152, 152]": the shape as the graph declares it, batch symbolic.
std::string graph_shape(const Shape& shape) {
  std::ostringstream out;
  out << "[" << kOnnxBatchDim;
  for (size_t axis = 1; axis < shape.size(); ++axis) out << ", " << shape[axis];
  out << "]";
  return out.str();
}

std::string check_path_for(const std::string& onnx_path) {
  std::filesystem::path path(onnx_path);
  if (path.extension() == ".onnx") path.replace_extension();
  return path.string() + ".check.h5";
}

std::string help_text() {
  return concat(
      "Exports a trained network as an ONNX model (opset ", kOnnxOpset, ", IR version ",
      kOnnxIrVersion,
      ", float32)\nthat computes what Visage's TEST-phase forward computes.\n"
      "The graph's inputs are the Input layers' tops, its outputs the tops no layer reads; their\n"
      "batch axis is the symbolic dimension N, the other axes are the config's. Every value has\n"
      "its shape declared. Give the deploy prototxt: data layers, losses and Accuracy are\n"
      "training-only and refused with the layer named, as are settings with no exact ONNX form.\n"
      "Split layers become nothing (their consumers share one value). Layers map to:\n",
      onnx_operator_mapping(),
      "--check N also writes OUT.check.h5 (OUT without .onnx): N random inputs (standard normal,\n"
      "from --seed) in /inputs/<input> and Visage's outputs for them in /outputs/<output>, named\n"
      "as in the graph, to verify any ONNX runtime against (docs/onnx.md shows how).");
}

}  // namespace

int run_export(Args args) {
  Options options("export", help_text());
  options.value("onnx", "OUT.onnx", "write the ONNX model here (required)")
      .value("model", "NET.prototxt", "the network (deploy prototxt, built in the TEST phase)")
      .value("weights", "W.h5",
             "trained weights (snapshot, Caffe HDF5 or .caffemodel); without it the fillers' "
             "initial weights, seeded by --seed")
      .value("check", "N", "also write OUT.check.h5 with N random inputs and Visage's outputs", "0")
      .value("seed", "S", "seed of the check inputs and of initial weights", "1");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("onnx") && options.has("model"), "--onnx and --model are required\n\n",
               options.usage());
  const int check_samples = options.get_int("check");
  VISAGE_CHECK(check_samples >= 0, "--check ", check_samples, ": expected 0 or more samples");
  const int seed = options.get_int("seed");
  VISAGE_CHECK(seed >= 0, "--seed ", seed, ": expected 0 or more");

  NetConfig config = load_net_config(options.get("model"));
  set_exported_batch(config.param, std::max(check_samples, 1));
  Context ctx = Context::cpu(static_cast<uint64_t>(seed));
  NetOptions net_options;
  net_options.phase = proto::TEST;
  Net net(config, net_options, ctx, builtin_layers());
  std::string weights = concat("none given: the fillers' initial weights (seed ", seed, ")");
  if (options.has("weights")) {
    weights = options.get("weights");
    const WeightsReport report = load_weights(net, weights);
    for (const auto& layer : report.layers_missing) {
      std::cout << "warning: " << weights << " has no weights for layer '" << layer
                << "': it keeps its initial weights\n";
    }
  }

  const OnnxExport exported =
      export_onnx(net, concat("visage export of ", options.get("model"), " with ", weights));
  const std::string out = options.get("onnx");
  write_onnx_model(exported.model, out);
  std::cout << "wrote " << out << ": ONNX opset " << kOnnxOpset << " (IR " << kOnnxIrVersion
            << "), net '" << net.name() << "', " << exported.model.graph().node_size()
            << " nodes from " << net.num_layers() << " layers, "
            << format_count(net.num_param_elements()) << " parameters, "
            << format_count(static_cast<int64_t>(exported.model.ByteSizeLong())) << "B\n";
  size_t name_width = 0;
  for (const auto* values : {&exported.inputs, &exported.outputs}) {
    for (const auto& value : *values) name_width = std::max(name_width, value.name.size());
  }
  const auto print_value = [name_width](const char* role, const OnnxValue& value) {
    std::string name = value.name;
    name.resize(name_width, ' ');
    std::cout << "  " << role << name << "  float32 " << graph_shape(value.shape) << "\n";
  };
  std::cout << "  weights " << weights << "\n";
  for (const auto& input : exported.inputs) print_value("input   ", input);
  for (const auto& output : exported.outputs) print_value("output  ", output);
  if (check_samples > 0) {
    const std::string check_path = check_path_for(out);
    write_onnx_check(net, ctx, exported, static_cast<uint64_t>(seed), check_path);
    std::cout << "wrote " << check_path << ": " << check_samples << " random inputs (seed " << seed
              << ") and Visage's outputs for them\n";
  }
  return 0;
}

}  // namespace visage::tools
