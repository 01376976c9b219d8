#include "solvers/update_rule.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "solvers/adagrad.hpp"
#include "solvers/adam.hpp"
#include "solvers/nesterov.hpp"
#include "solvers/rmsprop.hpp"
#include "solvers/sgd.hpp"

namespace visage {
namespace {

std::vector<SlotRange> slot_table(std::span<const ParamSlot> slots, int64_t num_params) {
  std::vector<SlotRange> table;
  int64_t next = 0;
  for (const ParamSlot& slot : slots) {
    VISAGE_CHECK(slot.offset == next, "parameter slots are not contiguous at layer '", slot.layer,
                 "' param ", slot.index);
    next = slot.offset + slot.count;
    table.push_back(SlotRange{next, slot.lr_mult, slot.decay_mult});
  }
  VISAGE_CHECK(next == num_params, "parameter slots cover ", next, " of ", num_params, " elements");
  return table;
}

// Caffe's deprecated solver_type enum, when given, names the type.
std::string solver_type_name(const proto::SolverParameter& param) {
  if (!param.has_solver_type()) return param.type();
  switch (param.solver_type()) {
    case proto::SolverParameter::SGD:
      return "SGD";
    case proto::SolverParameter::NESTEROV:
      return "Nesterov";
    case proto::SolverParameter::ADAGRAD:
      return "AdaGrad";
    case proto::SolverParameter::RMSPROP:
      return "RMSProp";
    case proto::SolverParameter::ADADELTA:
      return "AdaDelta";
    case proto::SolverParameter::ADAM:
      return "Adam";
  }
  return param.type();
}

}  // namespace

UpdateRule::UpdateRule(std::span<const ParamSlot> slots, int64_t num_params)
    : slots_(slot_table(slots, num_params)),
      device_slots_(std::max<std::size_t>(slots_.size(), 1) * sizeof(SlotRange)),
      num_params_(num_params) {
  std::ranges::copy(slots_, static_cast<SlotRange*>(device_slots_.mutable_host()));
}

void UpdateRule::apply(Context& ctx, Tensor& params, const UpdateStep& step) {
  VISAGE_CHECK(params.count() == num_params_, type(), " update: parameter buffer has ",
               params.count(), " elements, the rule was built for ", num_params_);
  if (num_params_ == 0) return;
#if VISAGE_WITH_CUDA
  if (ctx.is_gpu()) {
    apply_gpu(ctx, params, step);
    return;
  }
#endif
  apply_cpu(ctx, params, step);
}

Tensor& UpdateRule::add_history(const std::string& name) {
  auto tensor = std::make_unique<Tensor>(Shape{num_params_});
  std::ranges::fill(tensor->mutable_data(), 0.0f);
  history_.emplace_back(name, std::move(tensor));
  return *history_.back().second;
}

Tensor& UpdateRule::history(const std::string& name) {
  for (auto& [n, tensor] : history_) {
    if (n == name) return *tensor;
  }
  fail(type(), " update rule has no history buffer '", name, "'");
}

const SlotRange* UpdateRule::device_slots(const Context& ctx) {
  return static_cast<const SlotRange*>(device_slots_.device(ctx));
}

std::unique_ptr<UpdateRule> make_update_rule(const proto::SolverParameter& param,
                                             std::span<const ParamSlot> slots, int64_t num_params) {
  const std::string type = solver_type_name(param);
  if (type == "SGD") return std::make_unique<SgdRule>(param.momentum(), slots, num_params);
  if (type == "Nesterov")
    return std::make_unique<NesterovRule>(param.momentum(), slots, num_params);
  if (type == "Adam") {
    return std::make_unique<AdamRule>(param.momentum(), param.momentum2(), param.delta(), slots,
                                      num_params);
  }
  if (type == "AdaGrad" || type == "RMSProp") {
    // As in Caffe: these rules have no velocity, and a momentum would be silently ignored.
    VISAGE_CHECK(param.momentum() == 0, "solver: momentum cannot be used with ", type, " (got ",
                 param.momentum(), "); remove it or set it to 0");
    if (type == "AdaGrad") return std::make_unique<AdaGradRule>(param.delta(), slots, num_params);
    return std::make_unique<RmsPropRule>(param.rms_decay(), param.delta(), slots, num_params);
  }
  fail("solver: unknown type '", type, "' (known: SGD, Nesterov, AdaGrad, RMSProp, Adam)");
}

}  // namespace visage
