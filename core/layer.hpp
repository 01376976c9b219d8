// The layer contract (Caffe's): declared bottom/top counts, a one-time setup, reshape whenever the
// inputs change, forward, and backward with propagate_down. The CPU half of a layer lives in
// layers/<name>.cpp, the GPU half in cuda/<name>.cu; both belong to the same class.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/error.hpp"
#include "core/tensor.hpp"
#include "proto/visage.pb.h"

namespace visage {

using Tensors = std::span<Tensor* const>;

// Arity of a layer's inputs or outputs: [min, max], max < 0 meaning unbounded.
struct Arity {
  int min = 0;
  int max = -1;
  static Arity exactly(int n) { return {n, n}; }
  static Arity at_least(int n) { return {n, -1}; }
  static Arity between(int lo, int hi) { return {lo, hi}; }
};

class Layer {
 public:
  explicit Layer(const proto::LayerParameter& param);
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  virtual const char* type() const = 0;
  virtual Arity bottom_arity() const = 0;
  virtual Arity top_arity() const = 0;
  // Loss layers give their first top a weight of 1 unless the config says otherwise.
  virtual bool is_loss() const { return false; }
  // Whether a gradient can flow into this bottom at all (labels can't).
  virtual bool can_backward_to(int bottom_index) const { return true; }
  // Whether the solver may update params()[index]. Statistics kept as parameters so that
  // snapshots and Caffe weights carry them (BatchNorm's running mean and variance) are not: the Net
  // gives their slots lr_mult 0 and decay_mult 0 whatever the config says.
  virtual bool param_is_learnable(int index) const { return true; }
  // Whether top[i] may be the same tensor as bottom[i].
  virtual bool supports_in_place() const { return false; }

  // An in-place ReLU of slope 0 right after the layer that writes its input can be applied by
  // that layer on the CPU as it writes its outputs: one pass over the activations less, the same
  // values for every input but -inf (0 there, where the ReLU layer's max(x, 0) + 0 * min(x, 0)
  // gives NaN). The Net pairs them; backward passes and GPU passes are unchanged.
  // Whether this layer is such a ReLU (known after setup).
  virtual bool is_fusable_relu() const { return false; }
  // Asks this layer to clamp its CPU outputs at 0 from now on; returns whether it will.
  virtual bool fuse_relu() { return false; }
  // Tells a fusable ReLU that the layer writing its input clamps on the CPU.
  virtual void leave_cpu_forward_to_producer() {}

  // A layer can run, inside its own CPU backward pass, the backward pass of the layer right before
  // it when that one works in place on this layer's input: fewer passes over the activations, the
  // same values (Scale after BatchNorm). The Net pairs them; GPU passes are unchanged.
  // Asks this layer to run `producer`'s CPU backward too from now on; returns whether it will.
  virtual bool absorb_backward_of(Layer& producer) { return false; }
  // Tells a layer that the layer after it runs its CPU backward pass.
  virtual void leave_cpu_backward_to_consumer() {}

  // Checks the arity, then calls configure() and reshape().
  void setup(Context& ctx, Tensors bottom, Tensors top);
  virtual void reshape(Tensors bottom, Tensors top) = 0;

  // Runs on the context's device. Returns this layer's contribution to the loss: the sum over its
  // tops of loss_weight * value (0 for ordinary layers).
  float forward(Context& ctx, Tensors bottom, Tensors top);
  void backward(Context& ctx, Tensors top, const std::vector<bool>& propagate_down, Tensors bottom);

  // Learnable parameters (weights, biases, ...). Shared between layers by name through the Net.
  std::vector<std::shared_ptr<Tensor>>& params() { return params_; }
  const std::vector<std::shared_ptr<Tensor>>& params() const { return params_; }

  // Multiply-adds of one forward pass at the current shapes (FaceNet's "FLOPs").
  virtual int64_t forward_macs(Tensors bottom, Tensors top) const { return 0; }

  // Names of the values of a small top, for progress lines and logs (TripletLoss's mining
  // statistics, say); empty: the values are numbered.
  virtual std::vector<std::string> top_value_names(int top_index) const { return {}; }

  // For a layer that reads images: how it turns an 8-bit image into its top in the TEST phase,
  // so that images from elsewhere (verification pairs, `visage embed`) are prepared the same
  // way. Empty for every other layer.
  virtual std::optional<proto::FaceTransformParameter> test_image_transform() const {
    return std::nullopt;
  }

  // State beyond the parameters that an exact resume needs (a data layer's cursor and shuffle
  // order, say), as an opaque string stored in snapshots.
  virtual std::string save_state() const { return {}; }
  virtual void load_state(const std::string& state) {}

  const proto::LayerParameter& param() const { return param_; }
  const std::string& name() const { return param_.name(); }
  proto::Phase phase() const { return phase_; }
  void set_phase(proto::Phase phase) { phase_ = phase; }
  float loss_weight(int top) const;
  void set_loss_weight(int top, float weight);
  // "layer 'name' (Type)", for error messages.
  std::string describe() const;

 protected:
  // Creates parameters and reads layer-specific settings; the tops are not shaped yet.
  virtual void configure(Context& ctx, Tensors bottom, Tensors top) {}

  virtual void forward_cpu(Context& ctx, Tensors bottom, Tensors top) = 0;
  virtual void backward_cpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                            Tensors bottom) = 0;
#if VISAGE_WITH_CUDA
  virtual void forward_gpu(Context& ctx, Tensors bottom, Tensors top) = 0;
  virtual void backward_gpu(Context& ctx, Tensors top, const std::vector<bool>& propagate_down,
                            Tensors bottom) = 0;
#endif

  // Throws "layer 'x' (Type): <message>".
  template <typename... Parts>
  [[noreturn]] void fail_here(Parts&&... parts) const;

  proto::LayerParameter param_;
  proto::Phase phase_ = proto::TRAIN;
  std::vector<std::shared_ptr<Tensor>> params_;
  std::vector<float> loss_weights_;
};

template <typename... Parts>
[[noreturn]] void Layer::fail_here(Parts&&... parts) const {
  fail(describe(), ": ", std::forward<Parts>(parts)...);
}

#define VISAGE_LAYER_CHECK(condition, ...)    \
  do {                                        \
    if (!(condition)) fail_here(__VA_ARGS__); \
  } while (false)

}  // namespace visage
