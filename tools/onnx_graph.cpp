#include "tools/onnx_graph.hpp"

#include <cstring>

#include "core/error.hpp"

namespace visage::tools {
namespace {

void set_batched_type(onnx::ValueInfoProto& value, const std::string& name, const Shape& shape) {
  value.set_name(name);
  auto& tensor = *value.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(onnx::TensorProto::FLOAT);
  auto& dims = *tensor.mutable_shape();
  for (size_t axis = 0; axis < shape.size(); ++axis) {
    auto& dim = *dims.add_dim();
    if (axis == 0) {
      dim.set_dim_param(kOnnxBatchDim);
    } else {
      dim.set_dim_value(shape[axis]);
    }
  }
}

// ONNX stores raw tensor data little-endian; every machine Visage builds for is.
template <typename T>
std::string raw_bytes(std::span<const T> values) {
  std::string bytes(values.size_bytes(), '\0');
  std::memcpy(bytes.data(), values.data(), values.size_bytes());
  return bytes;
}

}  // namespace

onnx::AttributeProto& OnnxNode::add(const std::string& name,
                                    onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto& attribute = *node_->add_attribute();
  attribute.set_name(name);
  attribute.set_type(type);
  return attribute;
}

OnnxNode& OnnxNode::attribute(const std::string& name, int64_t value) {
  add(name, onnx::AttributeProto::INT).set_i(value);
  return *this;
}

OnnxNode& OnnxNode::attribute(const std::string& name, float value) {
  add(name, onnx::AttributeProto::FLOAT).set_f(value);
  return *this;
}

OnnxNode& OnnxNode::attribute(const std::string& name, const std::vector<int64_t>& values) {
  auto& attribute = add(name, onnx::AttributeProto::INTS);
  for (const int64_t v : values) attribute.add_ints(v);
  return *this;
}

std::string OnnxGraph::take_unique(std::set<std::string>& taken, const std::string& wanted) {
  std::string name = wanted;
  for (int suffix = 2; taken.contains(name); ++suffix) name = concat(wanted, "_", suffix);
  taken.insert(name);
  return name;
}

std::string OnnxGraph::unique_name(const std::string& wanted) {
  return take_unique(value_names_, wanted);
}

OnnxNode OnnxGraph::add_node(const std::string& op_type, const std::string& name,
                             const std::vector<std::string>& inputs,
                             const std::vector<std::string>& outputs) {
  onnx::NodeProto& node = *graph_.add_node();
  node.set_op_type(op_type);
  node.set_name(take_unique(node_names_, name));
  for (const auto& input : inputs) node.add_input(input);
  for (const auto& output : outputs) node.add_output(output);
  return OnnxNode(node);
}

std::string OnnxGraph::add_floats(const std::string& name, const Shape& shape,
                                  std::span<const float> values) {
  VISAGE_CHECK(shape_count(shape) == static_cast<int64_t>(values.size()), "initializer ", name,
               " of shape ", to_string(shape), " given ", values.size(), " values");
  onnx::TensorProto& tensor = *graph_.add_initializer();
  tensor.set_name(unique_name(name));
  tensor.set_data_type(onnx::TensorProto::FLOAT);
  for (const int64_t d : shape) tensor.add_dims(d);
  tensor.set_raw_data(raw_bytes(values));
  return tensor.name();
}

std::string OnnxGraph::add_int64s(const std::string& name, std::span<const int64_t> values) {
  onnx::TensorProto& tensor = *graph_.add_initializer();
  tensor.set_name(unique_name(name));
  tensor.set_data_type(onnx::TensorProto::INT64);
  tensor.add_dims(static_cast<int64_t>(values.size()));
  tensor.set_raw_data(raw_bytes(values));
  return tensor.name();
}

std::string OnnxGraph::add_scalar(const std::string& name, float value) {
  return add_floats(name, {}, std::span<const float>(&value, 1));
}

void OnnxGraph::add_input(const std::string& name, const Shape& shape) {
  set_batched_type(*graph_.add_input(), name, shape);
}

void OnnxGraph::add_output(const std::string& name, const Shape& shape) {
  set_batched_type(*graph_.add_output(), name, shape);
}

void OnnxGraph::add_value_info(const std::string& name, const Shape& shape) {
  set_batched_type(*graph_.add_value_info(), name, shape);
}

}  // namespace visage::tools
