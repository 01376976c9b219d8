#include "layers/input.hpp"

namespace visage {

void InputLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.input_param();
  const int shapes = p.shape_size();
  VISAGE_LAYER_CHECK(shapes == 1 || shapes == static_cast<int>(top.size()), "input_param has ",
                     shapes, " shapes for ", top.size(), " tops (give one, or one per top)");
  for (size_t t = 0; t < top.size(); ++t) {
    const auto& dims = p.shape(shapes == 1 ? 0 : static_cast<int>(t)).dim();
    Shape shape(dims.begin(), dims.end());
    for (int64_t d : shape) {
      VISAGE_LAYER_CHECK(d > 0, "input shape ", to_string(shape), " has a non-positive dimension");
    }
    top[t]->reshape(shape);
  }
}

}  // namespace visage
