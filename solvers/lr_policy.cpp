#include "solvers/lr_policy.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace visage {
namespace {

constexpr const char* kPolicies = "fixed, step, exp, inv, multistep, poly, sigmoid";

}  // namespace

LrPolicy::LrPolicy(const proto::SolverParameter& param) : param_(param), name_(param.lr_policy()) {
  VISAGE_CHECK(!name_.empty(), "solver: lr_policy is not set (one of ", kPolicies, ")");
  VISAGE_CHECK(param.has_base_lr() && param.base_lr() >= 0,
               "solver: base_lr must be set to a "
               "non-negative learning rate (lr_policy '",
               name_, "')");
  const auto need = [&](bool ok, const char* what) {
    VISAGE_CHECK(ok, "solver: lr_policy '", name_, "' needs ", what);
  };
  if (name_ == "fixed") return;
  if (name_ == "step") {
    need(param.stepsize() > 0, "stepsize > 0");
    need(param.has_gamma(), "gamma");
  } else if (name_ == "exp") {
    need(param.has_gamma() && param.gamma() > 0, "gamma > 0");
  } else if (name_ == "inv") {
    need(param.has_gamma(), "gamma");
    need(param.has_power(), "power");
  } else if (name_ == "multistep") {
    need(param.stepvalue_size() > 0, "at least one stepvalue");
    need(param.has_gamma(), "gamma");
    need(std::ranges::adjacent_find(param.stepvalue(), std::greater_equal<>()) ==
             param.stepvalue().end(),
         "strictly increasing stepvalues");
  } else if (name_ == "poly") {
    need(param.has_power(), "power");
    need(param.max_iter() > 0, "max_iter > 0");
  } else if (name_ == "sigmoid") {
    need(param.has_gamma(), "gamma");
    need(param.has_stepsize(), "stepsize");
  } else {
    fail("solver: unknown lr_policy '", name_, "' (one of ", kPolicies, ")");
  }
}

int64_t LrPolicy::step(int64_t iter) const {
  if (name_ == "step") return iter / param_.stepsize();
  if (name_ == "multistep") {
    return std::ranges::count_if(param_.stepvalue(), [&](int32_t v) { return iter >= v; });
  }
  return 0;
}

double LrPolicy::rate(int64_t iter) const {
  const double base = param_.base_lr();
  const double gamma = param_.gamma();
  const double power = param_.power();
  const auto it = static_cast<double>(iter);
  if (name_ == "step" || name_ == "multistep") {
    return base * std::pow(gamma, static_cast<double>(step(iter)));
  }
  if (name_ == "exp") return base * std::pow(gamma, it);
  if (name_ == "inv") return base * std::pow(1.0 + gamma * it, -power);
  if (name_ == "poly") {
    return base * std::pow(1.0 - it / static_cast<double>(param_.max_iter()), power);
  }
  if (name_ == "sigmoid") {
    return base / (1.0 + std::exp(-gamma * (it - static_cast<double>(param_.stepsize()))));
  }
  return base;
}

}  // namespace visage
