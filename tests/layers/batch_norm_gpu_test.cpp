// BatchNorm CPU vs GPU. The CPU sums the statistics in double, the GPU in float trees of up to
// N*H*W terms; with unit-scale inputs the normalised values then agree to about 1e-5, so allow
// relative 1e-4 plus absolute 1e-4 for outputs, gradients and the running averages.
#include <gtest/gtest.h>

#include "core/registry.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

constexpr ParityOptions kBatchNormTolerance{.rel_tolerance = 1e-4f, .abs_tolerance = 1e-4f};

TEST(BatchNormGpu, TrainingStatisticsMatchCpu) {
  for (const auto& shape : {Shape{8, 4, 7, 5}, Shape{1, 3, 2, 2}, Shape{16, 10}}) {
    TensorList bottom({shape});
    fill_gaussian(bottom[0], 41, 0.5f, 2.0f);
    expect_cpu_gpu_parity(layer_param("name: 'bn' type: 'BatchNorm'"), bottom, kBatchNormTolerance);
  }
}

TEST(BatchNormGpu, GlobalStatisticsMatchCpu) {
  TensorList bottom({{4, 3, 5, 5}});
  fill_gaussian(bottom[0], 42);
  expect_cpu_gpu_parity(layer_param("name: 'bn' type: 'BatchNorm' phase: TEST "
                                    "batch_norm_param { eps: 0.5 }"),
                        bottom, kBatchNormTolerance);
}

// The running averages are parameters, whose values the parity helper does not compare.
TEST(BatchNormGpu, RunningAveragesMatchCpu) {
  VISAGE_REQUIRE_GPU();
  const auto param = layer_param(
      "name: 'bn' type: 'BatchNorm' batch_norm_param { "
      "moving_average_fraction: 0.9 }");
  Context cpu_ctx = Context::cpu();
  Context gpu_ctx = Context::gpu(0);
  auto cpu = builtin_layers().create(param);
  auto gpu = builtin_layers().create(param);
  TensorList cpu_bottom({{6, 3, 4, 4}}), gpu_bottom({{6, 3, 4, 4}}), cpu_top(1), gpu_top(1);
  cpu->setup(cpu_ctx, cpu_bottom, cpu_top);
  gpu->setup(gpu_ctx, gpu_bottom, gpu_top);
  for (uint64_t pass = 0; pass < 3; ++pass) {
    fill_gaussian(cpu_bottom[0], 43 + pass, 1.0f, 3.0f);
    gpu_bottom[0].copy_data_from(cpu_bottom[0]);
    cpu->forward(cpu_ctx, cpu_bottom, cpu_top);
    gpu->forward(gpu_ctx, gpu_bottom, gpu_top);
  }
  for (int p = 0; p < 3; ++p) {
    const auto expected = cpu->params()[p]->data();
    const auto actual = gpu->params()[p]->data();
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(actual[i], expected[i], 1e-4f + 1e-4f * std::abs(expected[i]))
          << "param " << p << " element " << i;
    }
  }
}

}  // namespace
}  // namespace visage::testing
