// Translating one Visage layer into ONNX nodes (opset kOnnxOpset). A converter reads the layer's
// settings and parameters and emits nodes from the values of its bottoms to the values of its
// tops; every size it needs comes from the shapes the built Net computed, so the ONNX graph
// computes exactly what Visage's TEST-phase forward does.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/layer.hpp"
#include "tools/onnx_graph.hpp"

namespace visage::tools {

// The ONNX operator set the exporter targets, and the IR version that goes with it.
inline constexpr int64_t kOnnxOpset = 17;
inline constexpr int64_t kOnnxIrVersion = 8;

struct LayerExport {
  const Layer& layer;
  OnnxGraph& graph;
  std::vector<std::string> inputs;  // the ONNX value of each bottom
  std::vector<Shape> bottom_shapes;
  std::vector<std::string> outputs;  // the ONNX value each top becomes
  std::vector<Shape> top_shapes;

  // A graph-unique name for a value or constant inside this layer's nodes: "<layer>/<what>".
  std::string internal(const std::string& what) const;
  // Stores the layer's params()[index] as an initializer "<layer>/<what>", in `shape` (same
  // count) or its own shape; returns its name.
  std::string param(int index, const std::string& what) const;
  std::string param(int index, const std::string& what, const Shape& shape) const;
  std::span<const float> param_values(int index) const;
  // An int64 shape constant for Reshape whose leading 0 keeps the batch axis: [0, dims[1:]...].
  std::string batch_shape(const std::string& what, const Shape& dims) const;
};

// Emits the nodes of one layer; throws naming the layer and the reason when it has no ONNX form
// (data and loss layers, which a deploy prototxt does not have, and unsupported settings).
// Input and Split layers are the caller's: graph inputs and aliases, no nodes.
void export_layer(LayerExport& e);

// One line per exported layer type: "Type -> ONNX operators", for --help and the docs.
std::string onnx_operator_mapping();

// The converters with enough logic for a file of their own.
void export_pooling(LayerExport& e);            // tools/onnx_pooling.cpp
void export_locally_connected(LayerExport& e);  // tools/onnx_locally_connected.cpp

}  // namespace visage::tools
