// LocallyConnected -> standard operators. ONNX has no untied convolution, so the layer is
// composed of operators every runtime has, computing exactly Visage's sum per location:
//   1. Conv with one-hot filters, grouped by input channel: output channel c * kh * kw + i * kw + j
//      of location (y, x) is input (c, y * stride - pad + i, x * stride - pad + j) (zero in the
//      padding), i.e. the patches in the (channel, row, column) order of Visage's K axis. Each
//      output is 1 * x plus zeros, so the copy is exact;
//   2. Reshape (N, K, L) and Transpose to (L, N, K): the patches of each location;
//   3. MatMul with the weights as (L, K, O): one (N x K) * (K x O) product per location, as
//      Visage's forward computes it, and Add the biases (L, 1, O);
//   4. Transpose to (N, O, L) and Reshape to (N, O, out_h, out_w).
#include <vector>

#include "layers/window_geometry.hpp"
#include "tools/onnx_layers.hpp"

namespace visage::tools {
namespace {

// Filters (C * kh * kw, 1, kh, kw) for a Conv with group C: filter (i, j) of each channel's group
// picks the window's pixel (i, j).
std::vector<float> patch_filters(int64_t channels, int64_t kernel_h, int64_t kernel_w) {
  const int64_t taps = kernel_h * kernel_w;
  std::vector<float> filters(channels * taps * taps, 0.0f);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t t = 0; t < taps; ++t) filters[(c * taps + t) * taps + t] = 1.0f;
  }
  return filters;
}

// Visage's (L, O, K) weights as (L, K, O), the right operand of a per-location MatMul.
std::vector<float> weights_by_location(std::span<const float> w, int64_t locations, int64_t outputs,
                                       int64_t patch) {
  std::vector<float> t(w.size());
  for (int64_t l = 0; l < locations; ++l) {
    const float* src = w.data() + l * outputs * patch;
    float* dst = t.data() + l * patch * outputs;
    for (int64_t o = 0; o < outputs; ++o) {
      for (int64_t k = 0; k < patch; ++k) dst[k * outputs + o] = src[o * patch + k];
    }
  }
  return t;
}

}  // namespace

void export_locally_connected(LayerExport& e) {
  const auto& p = e.layer.param().locally_connected_param();
  WindowGeometry g;
  read_window(window_fields(p), g);
  const Shape& in = e.bottom_shapes[0];
  const Shape& out = e.top_shapes[0];
  const int64_t channels = in[1];
  const int64_t outputs = out[1];
  const int64_t locations = out[2] * out[3];
  const int64_t patch = channels * g.kernel_h * g.kernel_w;
  const std::string name = e.layer.name();

  const std::string patches = e.internal("patches");
  e.graph
      .add_node("Conv", name + "/patches",
                {e.inputs[0],
                 e.graph.add_floats(name + "/patch_filters", {patch, 1, g.kernel_h, g.kernel_w},
                                    patch_filters(channels, g.kernel_h, g.kernel_w))},
                {patches})
      .attribute("kernel_shape", std::vector<int64_t>{g.kernel_h, g.kernel_w})
      .attribute("strides", std::vector<int64_t>{g.stride_h, g.stride_w})
      .attribute("pads", std::vector<int64_t>{g.pad_h, g.pad_w, g.pad_h, g.pad_w})
      .attribute("group", channels);

  const std::string columns = e.internal("columns");
  e.graph.add_node("Reshape", name + "/columns",
                   {patches, e.batch_shape("columns_shape", {0, patch, locations})}, {columns});
  const std::string by_location = e.internal("patches_by_location");
  e.graph.add_node("Transpose", name + "/patches_by_location", {columns}, {by_location})
      .attribute("perm", std::vector<int64_t>{2, 0, 1});

  const std::string products = e.internal("products");
  e.graph.add_node(
      "MatMul", name,
      {by_location,
       e.graph.add_floats(name + "/weight", {locations, patch, outputs},
                          weights_by_location(e.param_values(0), locations, outputs, patch))},
      {products});
  std::string results = products;
  if (p.bias_term()) {
    results = e.internal("biased");
    e.graph.add_node("Add", name + "/bias", {products, e.param(1, "bias", {locations, 1, outputs})},
                     {results});
  }
  const std::string by_sample = e.internal("by_sample");
  e.graph.add_node("Transpose", name + "/by_sample", {results}, {by_sample})
      .attribute("perm", std::vector<int64_t>{1, 2, 0});
  e.graph.add_node("Reshape", name + "/image", {by_sample, e.batch_shape("image_shape", out)},
                   e.outputs);
}

}  // namespace visage::tools
