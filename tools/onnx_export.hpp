// A built Visage net (TEST phase, weights loaded) as an ONNX model: the graph's inputs are the
// Input layers' tops, its outputs the tops no layer consumes, and every layer in between becomes
// the nodes of tools/onnx_layers.hpp. Values are named after the tops they hold; a top that
// in-place layers rewrite is "<top>.<layer>" until its last writer, which gives it its own name.
#pragma once

#include <string>
#include <vector>

#include "core/net.hpp"
#include "proto/onnx.pb.h"

namespace visage::tools {

// A graph input or output and the Visage tensor it is.
struct OnnxValue {
  std::string name;    // in the ONNX graph
  std::string tensor;  // in the Net
  Shape shape;         // the Net's, whose batch axis the graph leaves symbolic
};

struct OnnxExport {
  onnx::ModelProto model;
  std::vector<OnnxValue> inputs;
  std::vector<OnnxValue> outputs;
};

// Throws naming the layer that cannot be exported and why. `description` goes into the model's
// doc_string (where it came from).
OnnxExport export_onnx(const Net& net, const std::string& description);

// Writes the model to `path` through a temporary file renamed into place, so that a failed write
// leaves no partial model. Throws when it is past protobuf's 2 GiB message limit.
void write_onnx_model(const onnx::ModelProto& model, const std::string& path);

}  // namespace visage::tools
