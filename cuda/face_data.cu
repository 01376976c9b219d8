// GPU half of layers/face_data.cpp (FaceData and ImageData): the batch is prepared on the host by
// the prefetcher; the device work is the copy of the tops.
#include "layers/face_data.hpp"

namespace visage {

void PrefetchingDataLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  if (!device_buffers_first_) {
    // Storage pins a host buffer allocated after its device buffer, and the tops are reused every
    // iteration: placing them on the device first makes every later host-to-device copy
    // asynchronous from pinned memory.
    for (Tensor* t : top) t->mutable_gpu_data(ctx);
    device_buffers_first_ = true;
  }
  forward_cpu(ctx, bottom, top);
  for (Tensor* t : top) t->gpu_data(ctx);
}

}  // namespace visage
