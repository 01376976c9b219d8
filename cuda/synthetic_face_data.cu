// GPU half of layers/synthetic_face_data.cpp: faces are rendered on the host, then the tops are
// handed to the device; Tensor's host-to-device copy (asynchronous from pinned memory) is the whole
// GPU work.
#include "layers/synthetic_face_data.hpp"

namespace visage {

void SyntheticFaceDataLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  forward_cpu(ctx, bottom, top);
  for (Tensor* t : top) t->gpu_data(ctx);
}

}  // namespace visage
