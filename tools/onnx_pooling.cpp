// Pooling -> MaxPool, AveragePool or LpPool (p = 2). Caffe rounds the output size up by default
// (ceil mode): its last window may hang over the padded image, and one that would start in the
// padding is dropped. ONNX pools are given that exact output size with floor rounding and an
// explicit, possibly larger, padding after the image; the padding a window covers changes
// nothing for MAX (padding never wins) or L2 (padding adds zero squares), and AVE's divisor is
// matched below or the layer refused.
#include <algorithm>

#include "core/error.hpp"
#include "layers/window_geometry.hpp"
#include "tools/onnx_layers.hpp"

namespace visage::tools {
namespace {

// The padding after the image along one axis that makes ONNX's floor-rounded output size
// `pooled`, given `pad` before it. It stays below the kernel, as onnxruntime requires, whatever
// the stride: Caffe drops a last window that would start past the image (the last one starts
// inside it, so what it covers after the image is below the kernel), and the layer refuses pad >=
// kernel.
int64_t end_padding(const LayerExport& e, int64_t size, int64_t pooled, int64_t kernel,
                    int64_t stride, int64_t pad) {
  const int64_t end = std::max<int64_t>((pooled - 1) * stride + kernel - size - pad, 0);
  VISAGE_CHECK((size + pad + end - kernel) / stride + 1 == pooled, e.layer.describe(),
               ": cannot express its output size ", pooled, " (input ", size, ", kernel ", kernel,
               ", stride ", stride, ", pad ", pad, ") as an ONNX pool");
  return end;
}

}  // namespace

void export_pooling(LayerExport& e) {
  const auto& p = e.layer.param().pooling_param();
  const Shape& in = e.bottom_shapes[0];
  const Shape& out = e.top_shapes[0];
  WindowGeometry g;
  read_window(window_fields(p), g, p.global_pooling());
  if (p.global_pooling()) {
    g.kernel_h = in[2];
    g.kernel_w = in[3];
  }
  const int64_t end_h = end_padding(e, in[2], out[2], g.kernel_h, g.stride_h, g.pad_h);
  const int64_t end_w = end_padding(e, in[3], out[3], g.kernel_w, g.stride_w, g.pad_w);

  std::string op;
  int64_t count_include_pad = 0;
  switch (p.pool()) {
    case proto::PoolingParameter::MAX:
      op = "MaxPool";
      break;
    case proto::PoolingParameter::L2:
      op = "LpPool";
      break;
    case proto::PoolingParameter::AVE:
      op = "AveragePool";
      // Caffe divides by the window clipped to the padded image (the given padding, not the
      // overhang of ceil rounding). Without padding that is the window's pixels inside the image
      // (count_include_pad 0); with padding and no overhang past it, the whole window (1).
      if (g.pad_h > 0 || g.pad_w > 0) {
        VISAGE_CHECK(end_h <= g.pad_h && end_w <= g.pad_w, e.layer.describe(),
                     ": AVE pooling with padding whose last window overhangs the padded image "
                     "(ceil rounding) divides by an area no ONNX AveragePool uses; use "
                     "round_mode: FLOOR or no padding");
        count_include_pad = 1;
      }
      break;
    default:
      fail(e.layer.describe(), ": pooling method ",
           proto::PoolingParameter::PoolMethod_Name(p.pool()), " has no ONNX export");
  }
  OnnxNode node = e.graph.add_node(op, e.layer.name(), e.inputs, e.outputs);
  node.attribute("kernel_shape", std::vector<int64_t>{g.kernel_h, g.kernel_w})
      .attribute("strides", std::vector<int64_t>{g.stride_h, g.stride_w})
      .attribute("pads", std::vector<int64_t>{g.pad_h, g.pad_w, end_h, end_w});
  if (op == "LpPool") node.attribute("p", int64_t{2});
  if (op == "AveragePool") node.attribute("count_include_pad", count_include_pad);
}

}  // namespace visage::tools
