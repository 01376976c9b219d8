#include "tools/onnx_export.hpp"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.hpp"
#include "tools/onnx_graph.hpp"
#include "tools/onnx_layers.hpp"

namespace visage::tools {
namespace {

// The index of the last layer writing each tensor: that write gets the top's own name.
std::map<const Tensor*, int> last_writers(const Net& net) {
  std::map<const Tensor*, int> last;
  for (int i = 0; i < net.num_layers(); ++i) {
    for (const Tensor* top : net.tops(i)) last[top] = i;
  }
  return last;
}

// Every value's batch axis is the symbolic "N", which holds only where each top keeps the
// input's batch as its first axis.
void check_batch_axis(const Net& net, int i, int64_t batch) {
  for (size_t j = 0; j < net.tops(i).size(); ++j) {
    const Tensor& top = *net.tops(i)[j];
    VISAGE_CHECK(top.num_axes() >= 1 && top.dim(0) == batch, net.where(i), ": ",
                 net.layer(i).describe(), ": top '", net.top_names(i)[j], "' of shape ",
                 top.shape_string(), " does not keep the batch (", batch,
                 ") as its first axis, which the exported graph's symbolic batch needs");
  }
}

}  // namespace

OnnxExport export_onnx(const Net& net, const std::string& description) {
  OnnxExport result;
  onnx::ModelProto& model = result.model;
  model.set_ir_version(kOnnxIrVersion);
  model.set_producer_name("visage");
  model.set_producer_version(VISAGE_VERSION);
  model.set_doc_string(description);
  auto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(kOnnxOpset);
  onnx::GraphProto& graph_proto = *model.mutable_graph();
  graph_proto.set_name(net.name());
  OnnxGraph graph(graph_proto);

  const auto last_writer = last_writers(net);
  std::map<const Tensor*, std::string> value_of;  // the ONNX value holding each tensor now
  std::map<std::string, const Tensor*> tensor_named;
  int64_t batch = -1;
  for (int i = 0; i < net.num_layers(); ++i) {
    const Layer& layer = net.layer(i);
    const std::string type = layer.type();
    if (type == "Input") {
      for (size_t j = 0; j < net.tops(i).size(); ++j) {
        const Tensor* top = net.tops(i)[j];
        VISAGE_CHECK(batch < 0 || top->dim(0) == batch, layer.describe(), ": inputs of batch ",
                     top->dim(0), " and ", batch, " cannot share the graph's symbolic batch");
        batch = top->dim(0);
        const std::string name = graph.unique_name(net.top_names(i)[j]);
        graph.add_input(name, top->shape());
        value_of[top] = name;
        tensor_named[net.top_names(i)[j]] = top;
        result.inputs.push_back({name, net.top_names(i)[j], top->shape()});
      }
      continue;
    }
    LayerExport e{layer, graph, {}, {}, {}, {}};
    for (const Tensor* bottom : net.bottoms(i)) {
      e.inputs.push_back(value_of.at(bottom));
      e.bottom_shapes.push_back(bottom->shape());
    }
    if (type == "Split") {  // every consumer reads the same ONNX value
      for (const Tensor* top : net.tops(i)) value_of[top] = e.inputs[0];
      continue;
    }
    if (batch >= 0) check_batch_axis(net, i, batch);  // else a data layer, refused below
    for (size_t j = 0; j < net.tops(i).size(); ++j) {
      const Tensor* top = net.tops(i)[j];
      const std::string& top_name = net.top_names(i)[j];
      e.outputs.push_back(
          graph.unique_name(last_writer.at(top) == i ? top_name : top_name + "." + layer.name()));
      e.top_shapes.push_back(top->shape());
    }
    with_context(concat(net.where(i)), [&] { export_layer(e); });
    for (size_t j = 0; j < net.tops(i).size(); ++j) {
      tensor_named[net.top_names(i)[j]] = net.tops(i)[j];
      value_of[net.tops(i)[j]] = e.outputs[j];
      graph.add_value_info(e.outputs[j], e.top_shapes[j]);
    }
  }

  std::set<std::string> input_names;
  for (const auto& input : result.inputs) input_names.insert(input.name);
  for (const std::string& name : net.output_names()) {
    const Tensor* tensor = tensor_named.at(name);
    const std::string& value = value_of.at(tensor);
    if (input_names.contains(value)) continue;  // an input no layer reads (a deploy's label)
    graph.add_output(value, tensor->shape());
    result.outputs.push_back({value, name, tensor->shape()});
  }
  VISAGE_CHECK(!result.inputs.empty() && !result.outputs.empty(), "net '", net.name(),
               "' has no Input layer feeding an output: nothing to export");
  return result;
}

void write_onnx_model(const onnx::ModelProto& model, const std::string& path) {
  const size_t bytes = model.ByteSizeLong();
  VISAGE_CHECK(bytes <= static_cast<size_t>(INT_MAX), path, ": the model is ",
               bytes / (1024 * 1024), " MiB, past protobuf's 2 GiB limit on one message");
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const std::string temporary = concat(path, ".tmp-", getpid());
  // On failure the temporary file goes, quietly: an error removing it would hide the real one.
  const auto fail_removing_temporary = [&](const std::string& why) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    fail(path, ": ", why);
  };
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    VISAGE_CHECK(out, temporary, ": cannot create the file");
    model.SerializeToOstream(&out);
    // Some write errors (a full disk, NFS) only show when the file is closed.
    out.close();
    if (!out) {
      fail_removing_temporary(concat("writing the model to ", temporary, " failed (disk full?)"));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    fail_removing_temporary(concat("renaming ", temporary, " to it failed: ", error.message()));
  }
}

}  // namespace visage::tools
