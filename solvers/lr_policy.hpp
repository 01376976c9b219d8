// Learning-rate schedules with Caffe's definitions, validated once when the solver is built so a
// missing `stepsize` or `gamma` is reported before any training happens:
//   fixed      base_lr
//   step       base_lr * gamma ^ floor(iter / stepsize)
//   exp        base_lr * gamma ^ iter
//   inv        base_lr * (1 + gamma * iter) ^ (-power)
//   multistep  base_lr * gamma ^ (number of stepvalues <= iter)
//   poly       base_lr * (1 - iter / max_iter) ^ power
//   sigmoid    base_lr / (1 + exp(-gamma * (iter - stepsize)))
#pragma once

#include <cstdint>
#include <string>

#include "proto/visage.pb.h"

namespace visage {

class LrPolicy {
 public:
  // Throws naming the policy and the missing or invalid field.
  explicit LrPolicy(const proto::SolverParameter& param);

  double rate(int64_t iter) const;
  // How many decays a step-like policy has applied by `iter` (0 for the others); recorded in
  // snapshots as Caffe's `current_step`.
  int64_t step(int64_t iter) const;
  const std::string& name() const { return name_; }

 private:
  proto::SolverParameter param_;
  std::string name_;
};

}  // namespace visage
