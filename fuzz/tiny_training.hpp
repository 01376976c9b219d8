// The training run behind the snapshot fuzzer: small enough to build for every input, yet with
// what a snapshot holds (weights of two layers, Adam's history, a data layer's state, the RNG).
// visage_fuzz_seeds trains it for two iterations to write the seed snapshot, so the seed matches
// the net the fuzzer restores into and the fuzzer starts from a snapshot that loads.
#pragma once

#include <string>

#include "core/config.hpp"
#include "solvers/solver.hpp"

namespace visage::fuzz {

inline proto::SolverParameter tiny_solver_param(const std::string& snapshot_prefix) {
  proto::SolverParameter param = parse_solver_config(R"(
net_param {
  name: "tiny"
  layer { name: "data" type: "SyntheticFaceData" top: "data" top: "label"
          synthetic_face_data_param { size: 16 channels: 1 identities: 4 batch_size: 4 } }
  layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
          inner_product_param { num_output: 8 weight_filler { type: "gaussian" std: 0.1 } } }
  layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
          inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 0.1 } } }
  layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
}
type: "Adam" base_lr: 0.01 lr_policy: "fixed" max_iter: 2 random_seed: 1
)",
                                                     "tiny_solver");
  param.set_snapshot_prefix(snapshot_prefix);
  return param;
}

// Silent, and without the JSON progress log a solver writes by default.
inline SolverOptions quiet_options() {
  SolverOptions options;
  options.out = nullptr;
  options.progress_log = "-";
  return options;
}

}  // namespace visage::fuzz
