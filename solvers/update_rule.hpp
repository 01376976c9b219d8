// How a solver turns accumulated gradients into a parameter step. A rule updates the Net's whole
// contiguous parameter buffer (data = values, diff = gradients) in ONE pass per iteration: one loop
// on the CPU, one kernel launch on the GPU, with each parameter's lr_mult and decay_mult looked up
// from a small table of slot boundaries. Rules own their history buffers (momentum, squared
// gradients, ...), each the size of the parameter buffer, which snapshots save by name. SGD with
// momentum is the first rule; Nesterov, AdaGrad, RMSProp and Adam slot in as new subclasses.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/context.hpp"
#include "core/net.hpp"
#include "core/storage.hpp"
#include "core/tensor.hpp"
#include "proto/visage.pb.h"

namespace visage {

enum class Regularization { l2, l1 };

// Settings of one update, decided by the solver.
struct UpdateStep {
  float rate = 0;            // the learning rate of this iteration, before lr_mult
  float gradient_scale = 1;  // 1 / iter_size, times the gradient-clipping factor
  float weight_decay = 0;    // before decay_mult
  Regularization regularization = Regularization::l2;
};

// One parameter's range in the buffer and its multipliers, laid out for the device table.
struct SlotRange {
  int64_t end = 0;  // one past the slot's last element; slots are contiguous from 0
  float lr_mult = 1;
  float decay_mult = 1;
};

class UpdateRule {
 public:
  UpdateRule(std::span<const ParamSlot> slots, int64_t num_params);
  virtual ~UpdateRule() = default;
  UpdateRule(const UpdateRule&) = delete;
  UpdateRule& operator=(const UpdateRule&) = delete;

  virtual const char* type() const = 0;

  // Applies one step to `params` (the Net's all_params()) on the context's device.
  void apply(Context& ctx, Tensor& params, const UpdateStep& step);

  // The rule's state, by name, in a fixed order (saved in snapshots).
  const std::vector<std::pair<std::string, std::unique_ptr<Tensor>>>& history() const {
    return history_;
  }
  Tensor& history(const std::string& name);

 protected:
  virtual void apply_cpu(Context& ctx, Tensor& params, const UpdateStep& step) = 0;
#if VISAGE_WITH_CUDA
  virtual void apply_gpu(Context& ctx, Tensor& params, const UpdateStep& step) = 0;
#endif

  // Adds a zeroed history buffer of the parameter buffer's size.
  Tensor& add_history(const std::string& name);
  // Adds a history tensor of another shape (new storage reads as zeros): a rule's scalar state,
  // such as Adam's step count, saved and restored with the buffers.
  Tensor& add_history(const std::string& name, const Shape& shape) {
    history_.emplace_back(name, std::make_unique<Tensor>(shape));
    return *history_.back().second;
  }

  std::span<const SlotRange> slots() const { return slots_; }
  // The slot table in device memory, copied once.
  const SlotRange* device_slots(const Context& ctx);
  int64_t num_params() const { return num_params_; }

 private:
  std::vector<SlotRange> slots_;
  Storage device_slots_;
  int64_t num_params_;
  std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> history_;
};

// The rule named by SolverParameter.type ("SGD", "Nesterov", "AdaGrad", "RMSProp", "Adam"; Caffe's
// deprecated solver_type enum wins when set); throws for unknown types and invalid settings.
std::unique_ptr<UpdateRule> make_update_rule(const proto::SolverParameter& param,
                                             std::span<const ParamSlot> slots, int64_t num_params);

}  // namespace visage
