// A directed acyclic graph of layers built from a NetParameter (Caffe's Net): phase/level/stage
// include and exclude rules, in-place layers, automatic Split layers where a tensor feeds several
// consumers, loss weights, named parameter sharing with lr_mult/decay_mult, and pruning of backward
// work that no loss needs. All learnable parameters live in one contiguous buffer, their gradients
// in another, so that a solver updates them with one fused pass and data-parallel training can
// reduce them in large buckets.
//
// Construction, one private function a step:
//   1. select_layers: the layers of this phase/level/stage, legacy `input:` fields as an Input
//      layer, a Split layer after every top that feeds several bottoms;
//   2. add_layer: each layer created from the registry, wired to its bottoms (in place when a
//      top is named like a bottom), set up, given its loss weights;
//   3. check_loss_tops: a top with a loss weight feeds no other layer; check_param_layer_names:
//      every layer with parameters has a name of its own;
//   4. collect_params: one slot per parameter, parameters named alike shared;
//   5. decide_backward: who needs backward, pruned to what leads to a loss; fuse_relus: in-place
//      ReLUs applied on the CPU by the layer that writes their input, where it can;
//      fuse_backward_passes: in-place layers whose CPU backward the next layer runs, where it can;
//   6. take_params_of (test and verification nets only): another net's parameters by layer name;
//   7. pack_params: the slots packed into the two contiguous buffers.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/layer.hpp"
#include "core/registry.hpp"

namespace visage {

// One learnable parameter's place in the contiguous buffers.
struct ParamSlot {
  std::string layer;  // owning layer
  int index = 0;      // position among that layer's params
  Shape shape;
  int64_t offset = 0;  // in elements
  int64_t count = 0;
  float lr_mult = 1;
  float decay_mult = 1;
  int first_layer = 0;  // the lowest layer using it: its gradient is final after that backward
};

struct NetOptions {
  proto::Phase phase = proto::TRAIN;
  int level = 0;
  std::vector<std::string> stages;
  // Refuse, when built, a net whose memory_bytes() exceed the context's memory (`visage summary`
  // turns it off to describe nets meant for bigger machines).
  bool check_memory = true;
  // In a net without a loss (a deploy net, which `visage time` times), backward runs from every
  // output as if it carried one; the caller sets the outputs' gradients. Unlike force_backward,
  // gradients still flow only where a training step sends them: not into the input images.
  bool backward_from_outputs = false;
};

class Net {
 public:
  // `registry` makes the layers the config names (solvers/builtin_layers.hpp has them all).
  Net(const NetConfig& config, const NetOptions& options, Context& ctx,
      const LayerRegistry& registry);
  // A net that evaluates `weights_of`'s parameters (a test or verification net): every layer with
  // a namesake there uses that layer's parameters (shapes must agree), and this net keeps no copy
  // of them; learnable_params() and all_params() hold only what it alone has.
  Net(const NetConfig& config, const NetOptions& options, Context& ctx,
      const LayerRegistry& registry, Net& weights_of);
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  // Returns the total weighted loss.
  float forward(Context& ctx);
  void backward(Context& ctx);
  float forward_backward(Context& ctx);
  void zero_param_diffs(Context& ctx);
  // The pieces of forward() and backward(), for running them a layer at a time (`visage time`):
  // one layer's forward (its weighted loss), the loss tops' gradients that backward() starts
  // from, and one layer's backward (nothing when no loss needs it).
  float forward_layer(Context& ctx, int i);
  void seed_loss_gradients(Context& ctx);
  void backward_layer(Context& ctx, int i);

  const std::string& name() const { return name_; }
  proto::Phase phase() const { return phase_; }
  const NetConfig& config() const { return config_; }

  int num_layers() const { return static_cast<int>(layers_.size()); }
  Layer& layer(int i) { return *layers_[i]; }
  const Layer& layer(int i) const { return *layers_[i]; }
  const std::vector<Tensor*>& bottoms(int i) const { return bottoms_[i]; }
  const std::vector<Tensor*>& tops(int i) const { return tops_[i]; }
  const std::vector<std::string>& top_names(int i) const { return top_names_[i]; }
  bool layer_needs_backward(int i) const { return layer_needs_backward_[i]; }
  // "file:line" of the config entry that produced layer i (Split layers point at their producer).
  std::string where(int i) const;

  // Named tensors ("data", "loss", ...); nullptr when absent.
  Tensor* tensor(const std::string& name);
  const std::vector<std::string>& tensor_names() const { return tensor_names_; }
  // Tensors no layer consumes (the net's outputs), in order of creation; a tensor that only an
  // in-place layer reads (a final ReLU) is still an output.
  std::vector<std::string> output_names() const;

  const std::vector<ParamSlot>& learnable_params() const { return slots_; }
  int64_t num_param_elements() const { return all_params_.count(); }
  // Bytes of every tensor's values and gradients, activations and parameters: what the net needs
  // beyond its layers' scratch space.
  double memory_bytes() const;
  // A 1-D tensor over the whole parameter buffer: data = values, diff = gradients.
  Tensor& all_params() { return all_params_; }
  const Tensor& all_params() const { return all_params_; }
  // Where the gradient buffer's final part starts once backward_layer has run for layers
  // num_layers() - 1 down to i: elements [gradient_final_from(i), num_param_elements()) no longer
  // change, so a data-parallel run can start reducing them while backward goes on.
  int64_t gradient_final_from(int i) const { return gradient_final_from_.at(i); }

 private:
  // The steps of construction, in order (the list at the top of this file).
  Net(const NetConfig& config, const NetOptions& options, Context& ctx,
      const LayerRegistry& registry, Net* weights_of);
  proto::NetParameter select_layers(const NetOptions& options);
  void add_layer(const proto::LayerParameter& lp, Context& ctx, const LayerRegistry& registry);
  void check_loss_tops() const;
  void check_param_layer_names() const;
  std::vector<std::vector<int>> collect_params(const proto::NetParameter& layers);
  void decide_backward(const proto::NetParameter& layers,
                       const std::vector<std::vector<int>>& layer_slots, bool from_outputs);
  void fuse_relus();
  void fuse_backward_passes();
  void take_params_of(Net& other);
  void pack_params();
  void check_memory(const Context& ctx) const;

  std::string name_;
  proto::Phase phase_;
  NetConfig config_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<int> layer_source_index_;  // index into config_.param.layer(), -1 for generated
  std::vector<std::vector<Tensor*>> bottoms_;
  std::vector<std::vector<Tensor*>> tops_;
  std::vector<std::vector<std::string>> bottom_names_;
  std::vector<std::vector<std::string>> top_names_;
  std::vector<std::vector<bool>> propagate_down_;
  std::vector<bool> layer_needs_backward_;

  std::map<std::string, std::unique_ptr<Tensor>> tensors_;
  std::vector<std::string> tensor_names_;

  std::vector<ParamSlot> slots_;
  // For each slot, the shared tensor that every layer using the parameter points to.
  std::vector<std::shared_ptr<Tensor>> slot_tensors_;
  std::vector<int64_t> gradient_final_from_;
  std::shared_ptr<Storage> param_data_;
  std::shared_ptr<Storage> param_diff_;
  Tensor all_params_;
};

// Whether a layer with these include/exclude rules belongs to a net in this state.
bool layer_included(const proto::LayerParameter& layer, const NetOptions& state);

}  // namespace visage
