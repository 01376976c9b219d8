// GPU half of layers/data_layer.cpp: the batch is made on the host; the device work is the copy
// of the tops, asynchronous from pinned memory.
#include "layers/data_layer.hpp"

namespace visage {

void DataLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  if (!tops_on_device_) {
    // Storage pins a host buffer allocated after its device buffer, and the tops are reused every
    // iteration: placing them on the device first makes every later host-to-device copy
    // asynchronous from pinned memory.
    for (Tensor* t : top) t->mutable_gpu_data(ctx);
    tops_on_device_ = true;
  }
  forward_cpu(ctx, bottom, top);
  for (Tensor* t : top) t->gpu_data(ctx);
}

}  // namespace visage
