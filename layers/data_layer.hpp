// What every data layer shares (HDF5Data, FaceData and ImageData, SyntheticFaceData): no bottoms,
// no backward, the batch made on the host by forward_cpu and handed to the device by the GPU half
// (cuda/data_layer.cpp), and a resume state that is one protobuf message for every reader
// (proto::DataState), checked on load.
#pragma once

#include <string>

#include "core/layer.hpp"

namespace visage {

class DataLayer : public Layer {
 public:
  using Layer::Layer;
  Arity bottom_arity() const final { return Arity::exactly(0); }
  bool can_backward_to(int) const final { return false; }

  std::string save_state() const final;
  // Throws naming the layer when the state is not this reader's (damaged, or another layer's).
  void load_state(const std::string& state) final;

 protected:
  // The reader's position, as the member of proto::DataState's `reader` it fills.
  virtual proto::DataState data_state() const = 0;
  virtual proto::DataState::ReaderCase reader_case() const = 0;
  virtual void restore_data_state(const proto::DataState& state) = 0;

  void backward_cpu(Context&, Tensors, const std::vector<bool>&, Tensors) final {}
#if VISAGE_WITH_CUDA
  void forward_gpu(Context& ctx, Tensors bottom, Tensors top) final;
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) final {}
#endif

 private:
#if VISAGE_WITH_CUDA
  // Only the GPU half (cuda/data_layer.cpp) uploads batches; clang warns about an unused field in
  // a CPU-only build otherwise.
  bool tops_on_device_ = false;
#endif
};

}  // namespace visage
