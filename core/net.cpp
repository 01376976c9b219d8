#include "core/net.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/error.hpp"
#include "core/parallel_blocks.hpp"

namespace visage {
namespace {

bool rule_met(const proto::NetStateRule& rule, const NetOptions& state) {
  if (rule.has_phase() && rule.phase() != state.phase) return false;
  if (rule.has_min_level() && state.level < rule.min_level()) return false;
  if (rule.has_max_level() && state.level > rule.max_level()) return false;
  const auto has_stage = [&](const std::string& s) {
    return std::ranges::find(state.stages, s) != state.stages.end();
  };
  for (const auto& s : rule.stage()) {
    if (!has_stage(s)) return false;
  }
  for (const auto& s : rule.not_stage()) {
    if (has_stage(s)) return false;
  }
  return true;
}

// Legacy `input:` / `input_shape:` / `input_dim:` fields become an Input layer, as in Caffe.
void upgrade_legacy_inputs(proto::NetParameter& net, std::vector<int>& source_index) {
  if (net.input_size() == 0) return;
  proto::LayerParameter input;
  input.set_name("input");
  input.set_type("Input");
  const bool by_dims = net.input_dim_size() > 0;
  VISAGE_CHECK(by_dims ? net.input_dim_size() == 4 * net.input_size()
                       : net.input_shape_size() == net.input_size(),
               "net inputs: ", net.input_size(), " inputs need ",
               by_dims ? "4 input_dim values each" : "one input_shape each");
  for (int i = 0; i < net.input_size(); ++i) {
    input.add_top(net.input(i));
    auto* shape = input.mutable_input_param()->add_shape();
    if (by_dims) {
      for (int d = 0; d < 4; ++d) shape->add_dim(net.input_dim(4 * i + d));
    } else {
      *shape = net.input_shape(i);
    }
  }
  proto::NetParameter upgraded = net;
  upgraded.clear_input();
  upgraded.clear_input_dim();
  upgraded.clear_input_shape();
  upgraded.clear_layer();
  *upgraded.add_layer() = input;
  for (const auto& layer : net.layer()) *upgraded.add_layer() = layer;
  net = std::move(upgraded);
  source_index.insert(source_index.begin(), -1);
}

struct Producer {
  int layer = -1;
  int top = -1;
  auto operator<=>(const Producer&) const = default;
};

std::string split_name(const std::string& tensor, const std::string& layer, int top, int k) {
  return concat(tensor, "_", layer, "_", top, "_split_", k);
}

// Inserts a Split layer after every top that feeds more than one bottom, renaming the consumers'
// bottoms, so that each consumer gets its own gradient and the Split sums them.
void insert_splits(proto::NetParameter& net, std::vector<int>& source_index,
                   const NetConfig& config) {
  std::map<std::string, Producer> latest;
  std::map<Producer, int> consumers;
  std::vector<std::vector<Producer>> bottom_producer(net.layer_size());
  for (int i = 0; i < net.layer_size(); ++i) {
    const auto& layer = net.layer(i);
    for (const auto& bottom : layer.bottom()) {
      const auto it = latest.find(bottom);
      const Producer p = it == latest.end() ? Producer{} : it->second;
      bottom_producer[i].push_back(p);
      if (p.layer >= 0) ++consumers[p];
    }
    for (int t = 0; t < layer.top_size(); ++t) latest[layer.top(t)] = Producer{i, t};
  }

  proto::NetParameter out = net;
  out.clear_layer();
  std::vector<int> out_index;
  std::map<Producer, int> next_split;
  for (int i = 0; i < net.layer_size(); ++i) {
    proto::LayerParameter layer = net.layer(i);
    for (int b = 0; b < layer.bottom_size(); ++b) {
      const Producer p = bottom_producer[i][b];
      if (p.layer >= 0 && consumers[p] > 1) {
        const auto& producer = net.layer(p.layer);
        // Caffe refuses this too: the other readers would see the tensor before or after this
        // layer changed it depending on their order, so in place is only for the sole reader.
        if (std::ranges::find(layer.top(), layer.bottom(b)) != layer.top().end()) {
          std::string others;
          for (int j = 0; j < net.layer_size(); ++j) {
            if (j == i) continue;
            for (const Producer& q : bottom_producer[j]) {
              if (q == p) others += concat(others.empty() ? "'" : ", '", net.layer(j).name(), "'");
            }
          }
          fail(config.where(source_index[i]), ": layer '", layer.name(), "' computes '",
               layer.bottom(b), "' in place, but ", others, " also read",
               " it; a layer may work "
               "in place only on a tensor nothing else reads: give its top a new name (and use "
               "that name where its result is wanted)");
        }
        layer.set_bottom(b,
                         split_name(producer.top(p.top), producer.name(), p.top, next_split[p]++));
      }
    }
    *out.add_layer() = layer;
    out_index.push_back(source_index[i]);
    for (int t = 0; t < layer.top_size(); ++t) {
      const Producer p{i, t};
      const auto it = consumers.find(p);
      if (it == consumers.end() || it->second <= 1) continue;
      proto::LayerParameter split;
      split.set_name(concat(layer.top(t), "_", layer.name(), "_", t, "_split"));
      split.set_type("Split");
      split.add_bottom(layer.top(t));
      for (int k = 0; k < it->second; ++k)
        split.add_top(split_name(layer.top(t), layer.name(), t, k));
      if (layer.has_phase()) split.set_phase(layer.phase());
      *out.add_layer() = split;
      out_index.push_back(source_index[i]);
    }
  }
  net = std::move(out);
  source_index = std::move(out_index);
}

bool shapes_compatible(const Shape& a, const Shape& b, proto::ParamSpec::DimCheckMode mode) {
  return mode == proto::ParamSpec::PERMISSIVE ? shape_count(a) == shape_count(b) : a == b;
}

// "12.3 GiB".
std::string gibibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

}  // namespace

bool layer_included(const proto::LayerParameter& layer, const NetOptions& state) {
  VISAGE_CHECK(layer.include_size() == 0 || layer.exclude_size() == 0, "layer '", layer.name(),
               "': specify include or exclude rules, not both");
  if (layer.include_size() > 0) {
    return std::ranges::any_of(layer.include(), [&](const auto& r) { return rule_met(r, state); });
  }
  return std::ranges::none_of(layer.exclude(), [&](const auto& r) { return rule_met(r, state); });
}

Net::Net(const NetConfig& config, const NetOptions& options, Context& ctx,
         const LayerRegistry& registry)
    : Net(config, options, ctx, registry, nullptr) {}

Net::Net(const NetConfig& config, const NetOptions& options, Context& ctx,
         const LayerRegistry& registry, Net& weights_of)
    : Net(config, options, ctx, registry, &weights_of) {}

Net::Net(const NetConfig& config, const NetOptions& options, Context& ctx,
         const LayerRegistry& registry, Net* weights_of)
    : name_(config.param.name()), phase_(options.phase), config_(config) {
  const proto::NetParameter layers = select_layers(options);
  for (int i = 0; i < layers.layer_size(); ++i) {
    with_context(where(num_layers()), [&] { add_layer(layers.layer(i), ctx, registry); });
  }
  check_loss_tops();
  check_param_layer_names();
  const std::vector<std::vector<int>> layer_slots = collect_params(layers);
  decide_backward(layers, layer_slots, options.backward_from_outputs);
  fuse_relus();
  fuse_backward_passes();
  if (weights_of != nullptr) take_params_of(*weights_of);
  pack_params();
  if (options.check_memory) check_memory(ctx);
}

double Net::memory_bytes() const {
  double elements = static_cast<double>(all_params_.count());
  for (const auto& [name, tensor] : tensors_) elements += static_cast<double>(tensor->count());
  return 2 * sizeof(float) * elements;  // values and gradients
}

// Tensors are allocated on first use; a net that cannot fit is refused now, with the figure,
// rather than after minutes of growing until the allocator fails.
void Net::check_memory(const Context& ctx) const {
  const double needed = memory_bytes();
  const auto available = static_cast<double>(ctx.memory_bytes());
  VISAGE_CHECK(needed <= available, config_.source, ": net '", name_, "' needs ", gibibytes(needed),
               " for its activations and parameters (values and "
               "gradients), more than the ",
               gibibytes(available), " of the ", ctx.describe(),
               "; use a smaller batch_size or input");
}

// Step 1: the layers of this phase, legacy inputs as an Input layer, splits.
proto::NetParameter Net::select_layers(const NetOptions& options) {
  proto::NetParameter selected = config_.param;
  selected.clear_layer();
  for (int i = 0; i < config_.param.layer_size(); ++i) {
    const auto& layer = config_.param.layer(i);
    const bool included =
        with_context(config_.where(i), [&] { return layer_included(layer, options); });
    if (included) {
      *selected.add_layer() = layer;
      layer_source_index_.push_back(i);
    }
  }
  with_context(config_.source, [&] { upgrade_legacy_inputs(selected, layer_source_index_); });
  insert_splits(selected, layer_source_index_, config_);
  VISAGE_CHECK(selected.layer_size() > 0, config_.source, ": net '", name_,
               "' has no layers in phase ", proto::Phase_Name(phase_));
  return selected;
}

// Step 2: creates the layer, finds its bottoms, creates its tops, sets it up, sets its loss
// weights.
void Net::add_layer(const proto::LayerParameter& lp, Context& ctx, const LayerRegistry& registry) {
  auto layer = registry.create(lp);
  layer->set_phase(phase_);
  std::vector<Tensor*> bottoms;
  std::vector<std::string> bottom_names;
  for (const auto& name : lp.bottom()) {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) {
      std::string known;
      for (const auto& n : tensor_names_) known += (known.empty() ? "" : ", ") + n;
      fail(layer->describe(), ": bottom '", name, "' is not produced by any earlier layer",
           known.empty() ? std::string() : " (available: " + known + ")");
    }
    bottoms.push_back(it->second.get());
    bottom_names.push_back(name);
  }
  std::vector<Tensor*> tops;
  for (const auto& name : lp.top()) {
    const bool in_place = std::ranges::find(bottom_names, name) != bottom_names.end();
    if (in_place) {
      VISAGE_CHECK(layer->supports_in_place(), layer->describe(), ": cannot compute in place ('",
                   name, "' is both bottom and top)");
      tops.push_back(tensors_[name].get());
      continue;
    }
    VISAGE_CHECK(tensors_.count(name) == 0, layer->describe(), ": top '", name,
                 "' is already produced by an earlier layer (use a new name, or the same name "
                 "as a bottom to compute in place)");
    auto tensor = std::make_unique<Tensor>();
    tops.push_back(tensor.get());
    tensors_.emplace(name, std::move(tensor));
    tensor_names_.push_back(name);
  }
  layer->setup(ctx, bottoms, tops);

  if (lp.loss_weight_size() > 0) {
    VISAGE_CHECK(lp.loss_weight_size() == lp.top_size(), layer->describe(), ": ",
                 lp.loss_weight_size(), " loss_weight values for ", lp.top_size(), " tops");
    for (int t = 0; t < lp.loss_weight_size(); ++t) layer->set_loss_weight(t, lp.loss_weight(t));
  } else if (layer->is_loss() && !tops.empty()) {
    layer->set_loss_weight(0, 1.0f);
  }
  if (lp.propagate_down_size() > 0) {
    VISAGE_CHECK(lp.propagate_down_size() == lp.bottom_size(), layer->describe(), ": ",
                 lp.propagate_down_size(), " propagate_down values for ", lp.bottom_size(),
                 " bottoms");
  }
  VISAGE_CHECK(lp.param_size() <= static_cast<int>(layer->params().size()), layer->describe(), ": ",
               lp.param_size(), " param { } entries for a layer with ", layer->params().size(),
               " parameters");

  layers_.push_back(std::move(layer));
  bottoms_.push_back(std::move(bottoms));
  tops_.push_back(std::move(tops));
  bottom_names_.push_back(std::move(bottom_names));
  top_names_.push_back({lp.top().begin(), lp.top().end()});
}

// Step 3: a tensor with a loss weight must not also feed other layers: its gradient would be
// ambiguous.
void Net::check_loss_tops() const {
  for (int i = 0; i < num_layers(); ++i) {
    for (size_t t = 0; t < tops_[i].size(); ++t) {
      if (layers_[i]->loss_weight(static_cast<int>(t)) == 0.0f) continue;
      for (int j = i + 1; j < num_layers(); ++j) {
        for (const auto& b : bottom_names_[j]) {
          VISAGE_CHECK(b != top_names_[i][t], where(i), ": ", layers_[i]->describe(), ": top '", b,
                       "' has a loss weight and also feeds ", layers_[j]->describe());
        }
      }
    }
  }
}

// Step 3b: snapshots and test nets find a layer's parameters by the layer's name, so a layer with
// parameters needs a name of its own: a clash found only at the first snapshot would lose the run.
void Net::check_param_layer_names() const {
  for (int i = 0; i < num_layers(); ++i) {
    const Layer& layer = *layers_[i];
    if (layer.params().empty()) continue;
    VISAGE_CHECK(!layer.name().empty(), where(i), ": a ", layer.type(),
                 " layer has parameters and no name; give it a unique `name:` (snapshots store "
                 "parameters by layer name)");
    for (int j = 0; j < num_layers(); ++j) {
      VISAGE_CHECK(j == i || layers_[j]->name() != layer.name(), where(i), ": ", layer.describe(),
                   " has parameters and shares its name with the layer at ", where(j),
                   "; give each layer a unique `name:` (snapshots store parameters by "
                   "layer name)");
    }
  }
}

// Step 4: one slot per parameter, named parameters shared; returns each layer's slots.
std::vector<std::vector<int>> Net::collect_params(const proto::NetParameter& layers) {
  std::map<std::string, int> slot_by_name;
  std::vector<std::vector<int>> layer_slots(num_layers());
  for (int i = 0; i < num_layers(); ++i) {
    Layer& layer = *layers_[i];
    const auto& lp = layers.layer(i);
    for (int j = 0; j < static_cast<int>(layer.params().size()); ++j) {
      proto::ParamSpec spec = j < lp.param_size() ? lp.param(j) : proto::ParamSpec();
      if (!layer.param_is_learnable(j)) {
        spec.set_lr_mult(0);
        spec.set_decay_mult(0);
      }
      VISAGE_CHECK(spec.lr_mult() >= 0 && spec.decay_mult() >= 0, where(i), ": ", layer.describe(),
                   ": negative lr_mult or decay_mult in param ", j);
      auto& tensor = layer.params()[j];
      if (!spec.name().empty()) {
        const auto found = slot_by_name.find(spec.name());
        if (found != slot_by_name.end()) {
          const ParamSlot& owner = slots_[found->second];
          VISAGE_CHECK(shapes_compatible(owner.shape, tensor->shape(), spec.share_mode()), where(i),
                       ": ", layer.describe(), ": shared parameter '", spec.name(), "' has shape ",
                       tensor->shape_string(), " here but ", to_string(owner.shape), " in layer '",
                       owner.layer, "'");
          VISAGE_CHECK(!spec.has_lr_mult() || spec.lr_mult() == owner.lr_mult, where(i), ": ",
                       layer.describe(), ": shared parameter '", spec.name(), "' has lr_mult ",
                       spec.lr_mult(), " here but ", owner.lr_mult, " in layer '", owner.layer,
                       "'");
          tensor = slot_tensors_[found->second];
          layer_slots[i].push_back(found->second);
          continue;
        }
        slot_by_name[spec.name()] = static_cast<int>(slots_.size());
      }
      layer_slots[i].push_back(static_cast<int>(slots_.size()));
      slots_.push_back(ParamSlot{layer.name(), j, tensor->shape(), 0, tensor->count(),
                                 spec.lr_mult(), spec.decay_mult(), i});
      slot_tensors_.push_back(tensor);
    }
  }
  return layer_slots;
}

// Step 5: a layer needs backward when it has a learnable parameter or a bottom whose gradient
// someone needs; then everything that does not lead to a loss (or, from_outputs, to an output) is
// pruned.
void Net::decide_backward(const proto::NetParameter& layers,
                          const std::vector<std::vector<int>>& layer_slots, bool from_outputs) {
  std::set<std::string> needs_grad;
  layer_needs_backward_.assign(num_layers(), false);
  propagate_down_.resize(num_layers());
  const bool force = config_.param.force_backward();
  for (int i = 0; i < num_layers(); ++i) {
    const auto& lp = layers.layer(i);
    bool need = std::ranges::any_of(layer_slots[i], [&](int s) { return slots_[s].lr_mult > 0; });
    auto& pd = propagate_down_[i];
    pd.assign(bottoms_[i].size(), false);
    for (size_t b = 0; b < pd.size(); ++b) {
      const bool possible = layers_[i]->can_backward_to(static_cast<int>(b));
      bool wanted = force || needs_grad.count(bottom_names_[i][b]) > 0;
      if (lp.propagate_down_size() > 0) wanted = lp.propagate_down(static_cast<int>(b));
      pd[b] = possible && wanted;
      need = need || pd[b];
    }
    layer_needs_backward_[i] = need;
    if (need) {
      for (const auto& t : top_names_[i]) needs_grad.insert(t);
    }
  }
  // Tensors whose gradient reaches a loss; in a net without one, from_outputs lets its outputs
  // stand for the losses.
  std::set<std::string> leads_to_loss;
  bool has_loss = false;
  for (int i = 0; i < num_layers(); ++i) {
    for (size_t t = 0; t < tops_[i].size(); ++t) {
      has_loss = has_loss || layers_[i]->loss_weight(static_cast<int>(t)) != 0.0f;
    }
  }
  if (from_outputs && !has_loss) {
    for (auto& name : output_names()) leads_to_loss.insert(std::move(name));
  }
  for (int i = num_layers() - 1; i >= 0; --i) {
    bool contributes = false;
    for (size_t t = 0; t < tops_[i].size(); ++t) {
      contributes = contributes || layers_[i]->loss_weight(static_cast<int>(t)) != 0.0f ||
                    leads_to_loss.count(top_names_[i][t]) > 0;
    }
    if (!contributes && !force) {
      layer_needs_backward_[i] = false;
      propagate_down_[i].assign(bottoms_[i].size(), false);
    } else {
      for (const auto& b : bottom_names_[i]) leads_to_loss.insert(b);
    }
  }
}

// Step 5b: each in-place ReLU right after the layer that writes its input is applied by that
// layer on the CPU, where it can (Layer::fuse_relu). Right after: a layer between them would read
// the values before the ReLU.
void Net::fuse_relus() {
  for (int i = 1; i < num_layers(); ++i) {
    const int producer = i - 1;
    if (layers_[i]->is_fusable_relu() && tops_[producer].size() == 1 &&
        tops_[producer][0] == bottoms_[i][0] && layers_[producer]->fuse_relu()) {
      layers_[i]->leave_cpu_forward_to_producer();
    }
  }
}

// Step 5c: a layer working in place, whose output only the next layer reads (a second reader
// would read a Split's copy), may leave its CPU backward to that layer (Layer::absorb_backward_of),
// when both hand a gradient down or neither does (a config's propagate_down may part them).
void Net::fuse_backward_passes() {
  for (int i = 1; i < num_layers(); ++i) {
    const int producer = i - 1;
    const bool in_place = bottoms_[producer].size() == 1 && tops_[producer].size() == 1 &&
                          tops_[producer][0] == bottoms_[producer][0];
    if (in_place && !bottoms_[i].empty() && bottoms_[i][0] == tops_[producer][0] &&
        propagate_down_[i][0] == propagate_down_[producer][0] &&
        layers_[i]->absorb_backward_of(*layers_[producer])) {
      layers_[producer]->leave_cpu_backward_to_consumer();
    }
  }
}

// Step 6: every layer with a namesake in `other` uses its parameters; their slots leave this net,
// which then packs only the parameters it alone has (usually none).
void Net::take_params_of(Net& other) {
  std::map<std::string, int> other_layer;
  for (int i = 0; i < other.num_layers(); ++i) other_layer[other.layer(i).name()] = i;
  std::set<const Tensor*> taken;
  for (int i = 0; i < num_layers(); ++i) {
    const auto it = other_layer.find(layers_[i]->name());
    if (it == other_layer.end()) continue;
    auto& mine = layers_[i]->params();
    auto& theirs = other.layer(it->second).params();
    if (mine.empty()) continue;
    VISAGE_CHECK(mine.size() == theirs.size(), where(i), ": ", layers_[i]->describe(), " has ",
                 mine.size(), " parameters but ", theirs.size(), " in net '", other.name(), "'");
    for (size_t j = 0; j < mine.size(); ++j) {
      VISAGE_CHECK(mine[j]->shape() == theirs[j]->shape(), where(i), ": ", layers_[i]->describe(),
                   ": parameter ", j, " has shape ", mine[j]->shape_string(), " but ",
                   theirs[j]->shape_string(), " in net '", other.name(), "'");
      taken.insert(mine[j].get());
      mine[j] = theirs[j];
    }
  }
  std::vector<ParamSlot> own_slots;
  std::vector<std::shared_ptr<Tensor>> own_tensors;
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (taken.contains(slot_tensors_[s].get())) continue;
    own_slots.push_back(slots_[s]);
    own_tensors.push_back(slot_tensors_[s]);
  }
  slots_ = std::move(own_slots);
  slot_tensors_ = std::move(own_tensors);
}

// Step 7: one contiguous buffer for the values and one for the gradients; every parameter tensor
// becomes a view of its slot.
void Net::pack_params() {
  int64_t total = 0;
  for (auto& slot : slots_) {
    slot.offset = total;
    total += slot.count;
  }
  param_data_ = std::make_shared<Storage>(static_cast<std::size_t>(total) * sizeof(float));
  param_diff_ = std::make_shared<Storage>(static_cast<std::size_t>(total) * sizeof(float));
  auto* values = static_cast<float*>(param_data_->mutable_host());
  for (size_t s = 0; s < slots_.size(); ++s) {
    const auto initial = slot_tensors_[s]->data();
    std::ranges::copy(initial, values + slots_[s].offset);
  }
  std::ranges::fill_n(static_cast<float*>(param_diff_->mutable_host()), total, 0.0f);
  for (size_t s = 0; s < slots_.size(); ++s) {
    slot_tensors_[s]->bind(param_data_, param_diff_, slots_[s].offset);
  }
  all_params_.reshape({total});
  all_params_.bind(param_data_, param_diff_, 0);
  // Slots are packed in the order of their first layer, so the final part is a suffix.
  gradient_final_from_.assign(num_layers(), 0);
  for (int i = 0; i < num_layers(); ++i) {
    for (const ParamSlot& slot : slots_) {
      if (slot.first_layer < i) {
        gradient_final_from_[i] = std::max(gradient_final_from_[i], slot.offset + slot.count);
      }
    }
  }
}

std::string Net::where(int i) const {
  const int source = i < static_cast<int>(layer_source_index_.size()) ? layer_source_index_[i] : -1;
  return source >= 0 ? config_.where(source) : config_.source;
}

Tensor* Net::tensor(const std::string& name) {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Net::output_names() const {
  // An in-place layer (ReLU, Dropout) reads the tensor it writes; that read does not consume it.
  std::set<std::string> consumed;
  for (int i = 0; i < num_layers(); ++i) {
    for (const auto& name : bottom_names_[i]) {
      if (std::ranges::find(top_names_[i], name) == top_names_[i].end()) consumed.insert(name);
    }
  }
  std::vector<std::string> out;
  for (const auto& name : tensor_names_) {
    if (consumed.count(name) == 0) out.push_back(name);
  }
  return out;
}

float Net::forward(Context& ctx) {
  float loss = 0;
  for (int i = 0; i < num_layers(); ++i) loss += forward_layer(ctx, i);
  return loss;
}

void Net::backward(Context& ctx) {
  seed_loss_gradients(ctx);
  for (int i = num_layers() - 1; i >= 0; --i) backward_layer(ctx, i);
}

float Net::forward_layer(Context& ctx, int i) {
  return with_context(where(i), [&] { return layers_[i]->forward(ctx, bottoms_[i], tops_[i]); });
}

void Net::backward_layer(Context& ctx, int i) {
  if (!layer_needs_backward_[i]) return;
  with_context(where(i),
               [&] { layers_[i]->backward(ctx, tops_[i], propagate_down_[i], bottoms_[i]); });
}

void Net::seed_loss_gradients(Context& ctx) {
  for (int i = 0; i < num_layers(); ++i) {
    for (size_t t = 0; t < tops_[i].size(); ++t) {
      const float w = layers_[i]->loss_weight(static_cast<int>(t));
      if (w == 0.0f) continue;
      Tensor& top = *tops_[i][t];
      if (ctx.is_gpu()) {
        device::fill(top.mutable_gpu_diff(ctx), top.count(), w, ctx.stream());
      } else {
        std::ranges::fill(top.mutable_diff(), w);
      }
    }
  }
}

float Net::forward_backward(Context& ctx) {
  const float loss = forward(ctx);
  backward(ctx);
  return loss;
}

// On the CPU in blocks over the BLAS threads: one thread's memset leaves much of the memory
// bandwidth unused, and DeepFace's gradient is 476 MB (40 ms on one core here, 21 on two).
void Net::zero_param_diffs(Context& ctx) {
  if (ctx.is_gpu()) {
    all_params_.zero_diff(ctx);
    return;
  }
  constexpr int64_t kBlock = int64_t{1} << 20;  // 4 MB
  const std::span<float> gradient = all_params_.mutable_diff();
  const auto total = static_cast<int64_t>(gradient.size());
  cpu::run_blocks(total, kBlock, cpu::elementwise_workers(total),
                  [&](int64_t first, int64_t end, int) {
                    std::fill(gradient.begin() + first, gradient.begin() + end, 0.0f);
                  });
}

}  // namespace visage
