#include "tools/onnx_layers.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "layers/window_geometry.hpp"

namespace visage::tools {

std::string LayerExport::internal(const std::string& what) const {
  return graph.unique_name(layer.name() + "/" + what);
}

std::span<const float> LayerExport::param_values(int index) const {
  return layer.params().at(index)->data();
}

std::string LayerExport::param(int index, const std::string& what) const {
  return param(index, what, layer.params().at(index)->shape());
}

std::string LayerExport::param(int index, const std::string& what, const Shape& shape) const {
  return graph.add_floats(layer.name() + "/" + what, shape, param_values(index));
}

std::string LayerExport::batch_shape(const std::string& what, const Shape& dims) const {
  std::vector<int64_t> shape(dims.begin(), dims.end());
  shape[0] = 0;  // Reshape's 0 copies the input's dimension: the batch stays symbolic
  return graph.add_int64s(layer.name() + "/" + what, shape);
}

namespace {

// A parameter applied to an input of `rank` axes from `axis` (Caffe's Scale, Bias and PReLU),
// shaped so that ONNX's right-aligned broadcasting lines it up: its own shape, then 1s.
Shape broadcast_shape(const Shape& param_shape, int axis, int rank) {
  Shape shape = param_shape;
  const int trailing = rank - axis - static_cast<int>(param_shape.size());
  shape.insert(shape.end(), std::max(trailing, 0), 1);
  return shape;
}

// Axes 1 .. rank-1: everything of one sample.
std::vector<int64_t> sample_axes(int rank) {
  std::vector<int64_t> axes(rank - 1);
  std::iota(axes.begin(), axes.end(), 1);
  return axes;
}

int rank_of(const Shape& shape) { return static_cast<int>(shape.size()); }

void export_convolution(LayerExport& e) {
  const auto& p = e.layer.param().convolution_param();
  WindowGeometry g;
  read_window(window_fields(p), g);
  std::vector<std::string> inputs = {e.inputs[0], e.param(0, "weight")};
  if (p.bias_term()) inputs.push_back(e.param(1, "bias"));
  e.graph.add_node("Conv", e.layer.name(), inputs, e.outputs)
      .attribute("kernel_shape", std::vector<int64_t>{g.kernel_h, g.kernel_w})
      .attribute("strides", std::vector<int64_t>{g.stride_h, g.stride_w})
      .attribute("pads", std::vector<int64_t>{g.pad_h, g.pad_w, g.pad_h, g.pad_w})
      .attribute("dilations", std::vector<int64_t>{g.dilation_h, g.dilation_w})
      .attribute("group", int64_t{p.group()});
}

void export_inner_product(LayerExport& e) {
  const auto& p = e.layer.param().inner_product_param();
  const int rank = rank_of(e.bottom_shapes[0]);
  if (canonical_axis(p.axis(), rank) != 1) {
    fail(e.layer.describe(), ": axis ", p.axis(),
         " is not exported (only axis 1: one row of inputs per sample)");
  }
  std::string rows = e.inputs[0];
  if (rank > 2) {
    rows = e.internal("flat");
    e.graph.add_node("Flatten", e.layer.name() + "/flatten", {e.inputs[0]}, {rows})
        .attribute("axis", int64_t{1});
  }
  std::vector<std::string> inputs = {rows, e.param(0, "weight")};
  if (p.bias_term()) inputs.push_back(e.param(1, "bias"));
  // Visage's weight is (outputs, inputs), or (inputs, outputs) with `transpose`.
  e.graph.add_node("Gemm", e.layer.name(), inputs, e.outputs)
      .attribute("transB", int64_t{p.transpose() ? 0 : 1});
}

void export_lrn(LayerExport& e) {
  const auto& p = e.layer.param().lrn_param();
  // Caffe's and ONNX's formulas agree: x / (k + alpha / size * sum of squares)^beta.
  e.graph.add_node("LRN", e.layer.name(), e.inputs, e.outputs)
      .attribute("size", int64_t{p.local_size()})
      .attribute("alpha", p.alpha())
      .attribute("beta", p.beta())
      .attribute("bias", p.k());
}

void export_batch_norm(LayerExport& e) {
  const auto& p = e.layer.param().batch_norm_param();
  if (p.has_use_global_stats() && !p.use_global_stats()) {
    fail(e.layer.describe(),
         ": use_global_stats: false normalises with each batch's own statistics, which an "
         "inference graph does not have; remove it to use the stored statistics");
  }
  // The stored mean and variance are sums weighted by the third parameter (Caffe's layout).
  const float normaliser = e.param_values(2)[0];
  const float factor = normaliser == 0.0f ? 0.0f : 1.0f / normaliser;
  const auto scaled = [&](int index) {
    std::vector<float> values(e.param_values(index).begin(), e.param_values(index).end());
    for (float& v : values) v *= factor;
    return values;
  };
  const auto channels = static_cast<int64_t>(e.param_values(0).size());
  const std::vector<float> ones(channels, 1.0f);
  const std::vector<float> zeros(channels, 0.0f);
  const std::string name = e.layer.name();
  const std::vector<std::string> inputs = {
      e.inputs[0], e.graph.add_floats(name + "/scale", {channels}, ones),
      e.graph.add_floats(name + "/bias", {channels}, zeros),
      e.graph.add_floats(name + "/mean", {channels}, scaled(0)),
      e.graph.add_floats(name + "/variance", {channels}, scaled(1))};
  e.graph.add_node("BatchNormalization", name, inputs, e.outputs).attribute("epsilon", p.eps());
}

// Scale and Bias: an elementwise Mul and/or Add with a parameter broadcast from `axis`.
void export_scale(LayerExport& e) {
  const auto& p = e.layer.param().scale_param();
  if (e.inputs.size() > 1) {
    fail(e.layer.describe(),
         ": a scale given as a second bottom is not exported (only a learned scale)");
  }
  const int rank = rank_of(e.bottom_shapes[0]);
  const int axis = canonical_axis(p.axis(), rank);
  const Shape shape = broadcast_shape(e.layer.params()[0]->shape(), axis, rank);
  const std::string scaled = p.bias_term() ? e.internal("scaled") : e.outputs[0];
  e.graph.add_node("Mul", e.layer.name(), {e.inputs[0], e.param(0, "scale", shape)}, {scaled});
  if (p.bias_term()) {
    e.graph.add_node("Add", e.layer.name() + "/add", {scaled, e.param(1, "bias", shape)},
                     e.outputs);
  }
}

void export_bias(LayerExport& e) {
  if (e.inputs.size() > 1) {
    fail(e.layer.describe(),
         ": a bias given as a second bottom is not exported (only a learned bias)");
  }
  const int rank = rank_of(e.bottom_shapes[0]);
  const int axis = canonical_axis(e.layer.param().bias_param().axis(), rank);
  const Shape shape = broadcast_shape(e.layer.params()[0]->shape(), axis, rank);
  e.graph.add_node("Add", e.layer.name(), {e.inputs[0], e.param(0, "bias", shape)}, e.outputs);
}

void export_relu(LayerExport& e) {
  const float slope = e.layer.param().relu_param().negative_slope();
  if (slope == 0.0f) {
    e.graph.add_node("Relu", e.layer.name(), e.inputs, e.outputs);
  } else {
    e.graph.add_node("LeakyRelu", e.layer.name(), e.inputs, e.outputs).attribute("alpha", slope);
  }
}

void export_prelu(LayerExport& e) {
  const int rank = rank_of(e.bottom_shapes[0]);
  const Shape& slope_shape = e.layer.params()[0]->shape();
  // One slope per channel (axis 1), or one shared slope that broadcasts as a 1-element tensor.
  const Shape shape = e.layer.param().prelu_param().channel_shared()
                          ? Shape{1}
                          : broadcast_shape(slope_shape, 1, rank);
  e.graph.add_node("PRelu", e.layer.name(), {e.inputs[0], e.param(0, "slope", shape)}, e.outputs);
}

// Dropout passes its input through unchanged outside training.
void export_dropout(LayerExport& e) {
  e.graph.add_node("Identity", e.layer.name(), e.inputs, e.outputs);
}

void export_concat(LayerExport& e) {
  const auto& p = e.layer.param().concat_param();
  const int rank = rank_of(e.bottom_shapes[0]);
  const int axis =
      p.has_concat_dim() ? static_cast<int>(p.concat_dim()) : canonical_axis(p.axis(), rank);
  e.graph.add_node("Concat", e.layer.name(), e.inputs, e.outputs).attribute("axis", int64_t{axis});
}

void export_eltwise(LayerExport& e) {
  const auto& p = e.layer.param().eltwise_param();
  const std::string name = e.layer.name();
  switch (p.operation()) {
    case proto::EltwiseParameter::PROD: {
      // ONNX's Mul takes two inputs: a chain, in bottom order as Visage multiplies.
      std::string product = e.inputs[0];
      for (size_t i = 1; i < e.inputs.size(); ++i) {
        const std::string out = i + 1 == e.inputs.size() ? e.outputs[0] : e.internal("product");
        e.graph.add_node("Mul", name + "/mul", {product, e.inputs[i]}, {out});
        product = out;
      }
      return;
    }
    case proto::EltwiseParameter::MAX:
      e.graph.add_node("Max", name, e.inputs, e.outputs);
      return;
    case proto::EltwiseParameter::SUM: {
      std::vector<std::string> terms = e.inputs;
      for (int i = 0; i < p.coeff_size(); ++i) {
        if (p.coeff(i) == 1.0f) continue;
        const std::string weighted = e.internal("weighted");
        e.graph.add_node("Mul", name + "/coeff",
                         {e.inputs[i], e.graph.add_scalar(name + "/coeff", p.coeff(i))},
                         {weighted});
        terms[i] = weighted;
      }
      e.graph.add_node("Sum", name, terms, e.outputs);
      return;
    }
  }
  fail(e.layer.describe(), ": unknown eltwise operation ", p.operation());
}

// Flatten and Reshape: the top's shape, which the Net computed, with the batch kept symbolic.
// That is the same reshape at every batch only when each sample keeps its own values.
void export_reshape(LayerExport& e) {
  const Shape& in = e.bottom_shapes[0];
  const Shape& out = e.top_shapes[0];
  if (shape_count(in, 1) != shape_count(out, 1)) {
    fail(e.layer.describe(), ": reshaping ", to_string(in), " to ", to_string(out),
         " moves values between samples; only reshapes within each sample are exported");
  }
  e.graph.add_node("Reshape", e.layer.name(),
                   {e.inputs[0], e.batch_shape("shape", e.top_shapes[0])}, e.outputs);
}

void export_softmax(LayerExport& e) {
  const int axis =
      canonical_axis(e.layer.param().softmax_param().axis(), rank_of(e.bottom_shapes[0]));
  e.graph.add_node("Softmax", e.layer.name(), e.inputs, e.outputs).attribute("axis", int64_t{axis});
}

// x / sqrt(sum of squares + eps) per sample. ONNX's LpNormalization has no eps (and divides by
// zero for a zero vector), so the formula is spelled out.
void export_l2_normalize(LayerExport& e) {
  const std::string name = e.layer.name();
  const float eps = e.layer.param().l2_normalize_param().eps();
  const std::string squares = e.internal("squares");
  const std::string padded = e.internal("squares_eps");
  const std::string norm = e.internal("norm");
  e.graph.add_node("ReduceSumSquare", name + "/squares", e.inputs, {squares})
      .attribute("axes", sample_axes(rank_of(e.bottom_shapes[0])))
      .attribute("keepdims", int64_t{1});
  e.graph.add_node("Add", name + "/eps", {squares, e.graph.add_scalar(name + "/eps", eps)},
                   {padded});
  e.graph.add_node("Sqrt", name + "/sqrt", {padded}, {norm});
  e.graph.add_node("Div", name, {e.inputs[0], norm}, e.outputs);
}

// Channel c * pieces + j is piece j of unit c: (N, units * pieces, ...) is reshaped to
// (N, units, pieces, ...) and the pieces' axis reduced by its maximum.
void export_maxout(LayerExport& e) {
  const int64_t pieces = e.layer.param().maxout_param().pieces();
  Shape split = e.top_shapes[0];
  split.insert(split.begin() + 2, pieces);
  const std::string grouped = e.internal("pieces");
  e.graph.add_node("Reshape", e.layer.name() + "/pieces",
                   {e.inputs[0], e.batch_shape("pieces_shape", split)}, {grouped});
  e.graph.add_node("ReduceMax", e.layer.name(), {grouped}, e.outputs)
      .attribute("axes", std::vector<int64_t>{2})
      .attribute("keepdims", int64_t{0});
}

struct Converter {
  const char* type;
  void (*convert)(LayerExport&);
  const char* operators;
};

constexpr Converter kConverters[] = {
    {"Convolution", export_convolution, "Conv"},
    {"InnerProduct", export_inner_product, "Gemm (after Flatten for N-D inputs)"},
    {"LocallyConnected", export_locally_connected,
     "Conv (one-hot filters: patches) -> Reshape -> Transpose -> MatMul (per location)\n"
     "                    -> Add -> Transpose -> Reshape"},
    {"Pooling", export_pooling, "MaxPool (MAX), AveragePool (AVE), LpPool p=2 (L2)"},
    {"LRN", export_lrn, "LRN"},
    {"BatchNorm", export_batch_norm, "BatchNormalization (stored statistics)"},
    {"Scale", export_scale, "Mul (+ Add with bias_term)"},
    {"Bias", export_bias, "Add"},
    {"ReLU", export_relu, "Relu (LeakyRelu with negative_slope)"},
    {"PReLU", export_prelu, "PRelu"},
    {"Dropout", export_dropout, "Identity"},
    {"Concat", export_concat, "Concat"},
    {"Eltwise", export_eltwise, "Sum (Mul by coeff), Mul, Max"},
    {"Flatten", export_reshape, "Reshape"},
    {"Reshape", export_reshape, "Reshape"},
    {"Softmax", export_softmax, "Softmax"},
    {"L2Normalize", export_l2_normalize, "ReduceSumSquare -> Add eps -> Sqrt -> Div"},
    {"Maxout", export_maxout, "Reshape -> ReduceMax"},
};

}  // namespace

void export_layer(LayerExport& e) {
  const std::string type = e.layer.type();
  for (const Converter& c : kConverters) {
    if (type == c.type) {
      c.convert(e);
      return;
    }
  }
  if (e.layer.is_loss() || type == "Accuracy") {
    fail(e.layer.describe(),
         ": training-only layers are not exported; export the deploy prototxt (the layers "
         "between an Input layer and the net's output)");
  }
  if (e.inputs.empty()) {
    fail(e.layer.describe(),
         ": a data layer makes its own batches (from files or a generator), which an ONNX "
         "graph cannot; export the deploy prototxt, whose input is an Input layer");
  }
  fail(e.layer.describe(),
       ": no ONNX export for this layer type (`visage export --help` lists "
       "the ones there are)");
}

std::string onnx_operator_mapping() {
  std::string text;
  for (const Converter& c : kConverters) {
    std::string type = c.type;
    type.resize(18, ' ');
    text += concat("  ", type, c.operators, "\n");
  }
  return text;
}

}  // namespace visage::tools
