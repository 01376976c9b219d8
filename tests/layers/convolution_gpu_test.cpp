// Convolution on the GPU (cuDNN) against the CPU (im2col, or Winograd under `fastest`, and
// OpenBLAS). Tolerance: rel 1e-4, abs 1e-4 (sums of up to a few hundred products, added in
// different orders; TF32 is off).
#include <gtest/gtest.h>

#include "core/registry.hpp"
#include "solvers/builtin_layers.hpp"
#include "tests/support/gradient_check.hpp"
#include "tests/support/parity.hpp"

namespace visage::testing {
namespace {

void expect_convolution_parity(const std::string& settings, const Shape& input,
                               ParityOptions options = {.rel_tolerance = 1e-4f,
                                                        .abs_tolerance = 1e-4f}) {
  TensorList bottom({input});
  fill_gaussian(bottom[0], 17);
  SCOPED_TRACE(settings);
  expect_cpu_gpu_parity(
      layer_param("name: 'conv' type: 'Convolution' convolution_param { " + settings +
                  " weight_filler { type: 'gaussian' std: 0.1 } bias_filler { type: 'gaussian' "
                  "std: 0.1 } }"),
      bottom, options);
}

TEST(ConvolutionGpu, MatchesCpu) {
  VISAGE_REQUIRE_GPU();
  expect_convolution_parity("num_output: 8 kernel_size: 3", {2, 3, 9, 8});
  expect_convolution_parity("num_output: 6 kernel_size: 5 stride: 2 pad: 2", {3, 4, 11, 13});
  expect_convolution_parity(
      "num_output: 4 kernel_h: 3 kernel_w: 1 stride_h: 2 stride_w: 1 "
      "pad_h: 1 pad_w: 0",
      {1, 2, 7, 6});
  expect_convolution_parity("num_output: 6 kernel_size: 3 group: 3 pad: 1 bias_term: false",
                            {2, 6, 6, 6});
  expect_convolution_parity("num_output: 4 kernel_size: 3 dilation: 2 pad: 2", {2, 3, 9, 9});
  expect_convolution_parity("num_output: 16 kernel_size: 1", {4, 32, 7, 7});
}

// DeepFace C1 on a batch of 2 (11x11 kernels: 363 products per output).
TEST(ConvolutionGpu, MatchesCpuOnDeepFaceC1) {
  VISAGE_REQUIRE_GPU();
  expect_convolution_parity("num_output: 32 kernel_size: 11", {2, 3, 40, 40});
}

// `--conv-algorithms fastest` may take FFT, Winograd or atomics-based algorithms on the GPU, and
// takes Winograd's F(2x2, 3x3) or F(4x4, 3x3) on the CPU for the 3x3 layers (14 and 28 wide
// here) and F(2x2, 5x5) for the stride-1 5x5 one: the same convolution, with rounding
// spread over whole tiles and sums in any order. Outputs are ~5 and
// weight gradients ~50 here, so the tolerance still fails any wrong sum by orders of magnitude.
TEST(ConvolutionGpu, FastestAlgorithmsMatchCpu) {
  VISAGE_REQUIRE_GPU();
  const ParityOptions fastest{.rel_tolerance = 1e-3f,
                              .abs_tolerance = 1e-2f,
                              .convolution_algorithms = ConvolutionAlgorithms::fastest};
  expect_convolution_parity("num_output: 16 kernel_size: 9", {8, 32, 31, 31}, fastest);  // C3
  expect_convolution_parity("num_output: 32 kernel_size: 3 pad: 1", {8, 16, 14, 14}, fastest);
  expect_convolution_parity("num_output: 16 kernel_size: 3 pad: 1", {4, 16, 28, 28}, fastest);
  expect_convolution_parity("num_output: 8 kernel_size: 5 pad: 2", {4, 8, 14, 14}, fastest);
  expect_convolution_parity("num_output: 8 kernel_size: 5 stride: 2 pad: 2", {4, 8, 17, 15},
                            fastest);
}

// A second input shape reuses the layer (and its cuDNN plan cache) correctly.
TEST(ConvolutionGpu, HandlesAChangeOfInputShape) {
  VISAGE_REQUIRE_GPU();
  auto ctx = Context::gpu(0);
  auto cpu_ctx = Context::cpu();
  const auto param = layer_param(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 3 kernel_size: 3 pad: 1 "
      "weight_filler { type: 'gaussian' std: 0.3 } }");
  auto gpu_layer = builtin_layers().create(param);
  auto cpu_layer = builtin_layers().create(param);
  TensorList gpu_bottom({{2, 2, 5, 5}}), cpu_bottom({{2, 2, 5, 5}}), gpu_top(1), cpu_top(1);
  gpu_layer->setup(ctx, gpu_bottom, gpu_top);
  cpu_layer->setup(cpu_ctx, cpu_bottom, cpu_top);
  gpu_layer->params()[0]->copy_data_from(*cpu_layer->params()[0]);
  gpu_layer->params()[1]->copy_data_from(*cpu_layer->params()[1]);
  for (const Shape& shape : {Shape{2, 2, 5, 5}, Shape{3, 2, 8, 6}, Shape{2, 2, 5, 5}}) {
    gpu_bottom[0].reshape(shape);
    cpu_bottom[0].reshape(shape);
    fill_gaussian(cpu_bottom[0], 3);
    gpu_bottom[0].copy_data_from(cpu_bottom[0]);
    gpu_layer->forward(ctx, gpu_bottom, gpu_top);
    cpu_layer->forward(cpu_ctx, cpu_bottom, cpu_top);
    ASSERT_EQ(gpu_top[0].shape(), cpu_top[0].shape());
    for (int64_t i = 0; i < cpu_top[0].count(); ++i) {
      ASSERT_NEAR(gpu_top[0].data()[i], cpu_top[0].data()[i], 1e-4f) << to_string(shape);
    }
  }
}

}  // namespace
}  // namespace visage::testing
