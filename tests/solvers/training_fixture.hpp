// A small, linearly separable two-class problem written to HDF5 files in a fresh temporary
// folder, with a list file, a net (HDF5Data -> InnerProduct -> SoftmaxWithLoss) and solver
// prototxts around it, for solver, snapshot and command tests.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5.hpp"
#include "core/rng.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage::testing {

// Class c's points are centred at +2 (c = 1) or -2 (c = 0) on every feature, with unit noise.
inline void write_separable_h5(const std::string& path, int rows, int features, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> data;
  std::vector<float> label;
  for (int r = 0; r < rows; ++r) {
    const int c = r % 2;
    label.push_back(static_cast<float>(c));
    for (int f = 0; f < features; ++f) data.push_back(rng.gaussian(c == 1 ? 2.0f : -2.0f, 1.0f));
  }
  hdf5::File file = hdf5::File::create(path);
  file.write("data", std::span<const float>(data), {rows, features});
  file.write("label", std::span<const float>(label), {rows});
  file.close();
}

struct TrainingProblem {
  std::string list;
  std::string net;
  std::string solver;
};

// Two files of 12 rows each (relative paths in the list), batch 4, shuffled.
inline TrainingProblem make_problem(const TempFolder& folder, const std::string& solver_extra,
                                    bool shuffle = true) {
  write_separable_h5(folder / "part0.h5", 12, 4, 11);
  write_separable_h5(folder / "part1.h5", 12, 4, 12);
  TrainingProblem p;
  p.list = folder / "train.txt";
  write_text(p.list, "part0.h5\npart1.h5\n");
  p.net = folder / "net.prototxt";
  write_text(p.net,
             concat(R"(name: "tiny"
layer { name: "data" type: "HDF5Data" top: "data" top: "label"
        hdf5_data_param { source: ")",
                    p.list, R"(" batch_size: 4 shuffle: )", shuffle ? "true" : "false", R"( } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
        inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)"));
  p.solver = folder / "solver.prototxt";
  write_text(p.solver, concat(R"(net: "net.prototxt"
base_lr: 0.05
lr_policy: "step"
gamma: 0.5
stepsize: 20
momentum: 0.9
weight_decay: 0.001
random_seed: 7
snapshot_prefix: "snap/tiny"
)",
                              solver_extra));
  return p;
}

}  // namespace visage::testing
