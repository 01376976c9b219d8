// Building one ONNX graph (proto/onnx.proto): nodes and their attributes, float and int64
// initializers, and the type and shape of every value, with names unique in the graph. The batch
// axis of the graph's values is the symbolic dimension "N", so an exported model takes any batch.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "proto/onnx.pb.h"

namespace visage::tools {

// The name of the symbolic batch dimension of inputs, outputs and intermediate values.
inline constexpr const char* kOnnxBatchDim = "N";

// Adds attributes to a node that OnnxGraph made.
class OnnxNode {
 public:
  explicit OnnxNode(onnx::NodeProto& node) : node_(&node) {}
  OnnxNode& attribute(const std::string& name, int64_t value);
  OnnxNode& attribute(const std::string& name, float value);
  OnnxNode& attribute(const std::string& name, const std::vector<int64_t>& values);

 private:
  onnx::AttributeProto& add(const std::string& name, onnx::AttributeProto::AttributeType type);
  onnx::NodeProto* node_;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto& graph) : graph_(graph) {}

  // `wanted` if no value or initializer of the graph has that name yet, else `wanted` with the
  // first free suffix "_2", "_3", ...; the name is taken from then on.
  std::string unique_name(const std::string& wanted);

  // A node computing `outputs` from `inputs` (names of values that exist or will); node names
  // are unique among nodes (ONNX keeps them apart from value names).
  OnnxNode add_node(const std::string& op_type, const std::string& name,
                    const std::vector<std::string>& inputs,
                    const std::vector<std::string>& outputs);
  // Constant tensors; each returns the (unique) name it was stored under.
  std::string add_floats(const std::string& name, const Shape& shape,
                         std::span<const float> values);
  std::string add_int64s(const std::string& name, std::span<const int64_t> values);
  // A float32 scalar of shape [].
  std::string add_scalar(const std::string& name, float value);

  // Declares a graph input or output, or the shape of an intermediate value. `shape`'s first axis
  // is the batch and is written as the symbolic dimension.
  void add_input(const std::string& name, const Shape& shape);
  void add_output(const std::string& name, const Shape& shape);
  void add_value_info(const std::string& name, const Shape& shape);

  int node_count() const { return graph_.node_size(); }

 private:
  static std::string take_unique(std::set<std::string>& taken, const std::string& wanted);

  onnx::GraphProto& graph_;
  std::set<std::string> value_names_;
  std::set<std::string> node_names_;
};

}  // namespace visage::tools
