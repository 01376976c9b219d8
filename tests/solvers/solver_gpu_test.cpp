// Net and Solver end to end on the GPU against the same run on the CPU: a net with a weight shared
// by two layers (a parameter view), two losses with weights other than 1, split layers, gradient
// clipping (the gradient's sum of squares on the device) and SGD with momentum and weight decay.
// Layer parity tests check each piece; this checks that the Net wires them together the same way on
// a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/config.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/parity.hpp"

namespace visage {
namespace {

using testing::TempFolder;
using testing::write_separable_h5;
using testing::write_text;

// data (4 features) -> ip1 -> relu -> ip1_again (ip1's weight, by name) -> ip2 -> softmax loss,
// and a center loss on ip1_again: ip1_again and the labels feed two layers each (split layers).
void write_shared_weight_problem(const TempFolder& folder) {
  write_separable_h5(folder / "part0.h5", 16, 4, 21);
  write_text(folder / "train.txt", "part0.h5\n");
  write_text(folder / "net.prototxt",
             concat(R"(name: "shared"
layer { name: "data" type: "HDF5Data" top: "data" top: "label"
        hdf5_data_param { source: ")",
                    folder / "train.txt", R"(" batch_size: 8 shuffle: true } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
        param { name: "square" lr_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
        inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 0.5 }
                              bias_filler { type: "constant" value: 0.1 } } }
layer { name: "relu" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "ip1_again" type: "InnerProduct" bottom: "ip1" top: "ip1_again"
        param { name: "square" lr_mult: 1 } param { lr_mult: 1 }
        inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 0.5 } } }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1_again" top: "ip2"
        inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.5 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss"
        loss_weight: 0.5 }
layer { name: "center" type: "CenterLoss" bottom: "ip1_again" bottom: "label" top: "center"
        param { decay_mult: 0 } loss_weight: 0.3
        center_loss_param { num_output: 2 center_filler { type: "gaussian" std: 0.5 } } }
)"));
  write_text(folder / "solver.prototxt", R"(net: "net.prototxt"
base_lr: 0.1
lr_policy: "fixed"
momentum: 0.9
weight_decay: 0.01
clip_gradients: 0.5
average_loss: 1
random_seed: 3
)");
}

TEST(SolverGpu, TrainsLikeTheCpuWithSharedWeightsLossWeightsAndClipping) {
  VISAGE_REQUIRE_GPU();
  TempFolder folder;
  write_shared_weight_problem(folder);
  const auto param = load_solver_config(folder / "solver.prototxt");
  SolverOptions options;
  options.solver_path = folder / "solver.prototxt";
  options.out = nullptr;

  Context cpu_ctx = Context::cpu(5);
  Context gpu_ctx = Context::gpu(0, 5);
  Solver cpu(param, cpu_ctx, options);
  Solver gpu(param, gpu_ctx, options);
  ASSERT_EQ(cpu.net().num_param_elements(), gpu.net().num_param_elements());
  // ip1 and ip1_again hold one 4x4 weight between them: 16 + 4 + 4 + 8 + 2 + 8 (centers).
  EXPECT_EQ(cpu.net().num_param_elements(), 42);
  ASSERT_TRUE(std::ranges::equal(cpu.net().all_params().data(), gpu.net().all_params().data()))
      << "both runs must start from the same weights";

  for (int iter = 0; iter < 20; ++iter) {
    cpu.step(1);
    gpu.step(1);
    const double cpu_loss = cpu.smoothed_loss();
    const double gpu_loss = gpu.smoothed_loss();
    ASSERT_NEAR(gpu_loss, cpu_loss, 1e-4 * (1 + std::abs(cpu_loss))) << "iteration " << iter;
  }
  const auto cpu_params = cpu.net().all_params().data();
  const auto gpu_params = gpu.net().all_params().data();
  for (std::size_t i = 0; i < cpu_params.size(); ++i) {
    EXPECT_NEAR(gpu_params[i], cpu_params[i], 1e-4f * (1 + std::abs(cpu_params[i])))
        << "parameter element " << i;
  }
  // The run moved the weights (the comparison is not between two untouched nets).
  Context fresh_ctx = Context::cpu(5);
  Solver fresh(param, fresh_ctx, options);
  EXPECT_FALSE(std::ranges::equal(fresh.net().all_params().data(), cpu_params));
}

}  // namespace
}  // namespace visage
