#include "layers/convolution.hpp"

#include <algorithm>
#include <numeric>

#include "core/filler.hpp"
#include "core/math.hpp"
#include "layers/direct_convolution.hpp"
#include "layers/sliced_parallel.hpp"
#include "layers/winograd.hpp"

namespace visage {

using cpu::Trans;

namespace {

// CPU scratch per BLAS thread, in floats (16 MB): one chunk's columns and results.
constexpr int64_t kCpuScratchFloats = int64_t{1} << 22;
// Backward's per-slice parameter gradients, in floats (16 MB), above which it uses fewer slices
// (never fewer than the threads).
constexpr int64_t kCpuGradientFloats = int64_t{1} << 22;
// Output pixels per GEMM: past a few hundred a wider GEMM gains nothing, and a wider chunk loses
// the cache between im2col, GEMM and scatter (measured on NN2: 7x7 layers gain 10-15% from
// chunks of 11 images, 28x28 layers lose 10% from chunks of 6).
constexpr int64_t kCpuTargetColumns = 512;
// Under `fastest`, a 1x1 stride-1 unpadded layer with at least this many output pixels multiplies
// each image where it lies instead: no copy of the inputs into a chunk and of the results out of
// it, and a weight gradient summed image by image (other rounding than the chunk's one GEMM).
// NN2's 14x14 1x1 layers, batch 16: 143 -> 121 ms a step; its 7x7 ones keep their chunks.
constexpr int64_t kCpuLeastPixelsInPlace = 128;
// A chunk of one image whose columns pass kCpuBandImagesAboveFloats (4 MB, more than a core's L2
// cache) goes through in bands of whole output rows of about kCpuBandTargetFloats (1 MB) each, so
// that the GEMM reads im2col's output from the cache, not from memory: DeepFace's C1 and C3 and
// the first layers of NN1 and NN2, whose GEMMs have few output channels to spend each column on.
constexpr int64_t kCpuBandImagesAboveFloats = int64_t{1} << 20;
constexpr int64_t kCpuBandTargetFloats = int64_t{1} << 18;
// ... but never fewer output pixels than this, even past the cache: a GEMM narrower than a few
// hundred columns runs far below its rate. DeepFace's C3 (63 pixels a row, 2592 floats a pixel)
// got one row a band from the target alone; with five (3.3 MB) its backward pass took 16% less.
constexpr int64_t kCpuBandLeastColumns = 256;

// Adds the bias (b may be null) to `pixels` outputs of each of num_output channels, `stride`
// floats apart, and clamps them at 0 under relu (std::max(v, 0.0f): ReLU's values exactly).
void finish_outputs(const float* b, bool relu, int64_t num_output, int64_t pixels, int64_t stride,
                    float* out) {
  for (int64_t o = 0; o < num_output; ++o) {
    float* row = out + o * stride;
    if (b != nullptr) std::for_each_n(row, pixels, [&](float& v) { v += b[o]; });
    if (relu) std::for_each_n(row, pixels, [](float& v) { v = std::max(v, 0.0f); });
  }
}

// to (cols x rows) = from (rows x cols) transposed.
void transpose(int64_t rows, int64_t cols, const float* from, float* to) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) to[c * rows + r] = from[r * cols + c];
  }
}

// b_diff[o] += the sum of row o of dy (num_output rows of `width`).
void accumulate_bias_diff(const float* dy, int64_t num_output, int64_t width, float* b_diff) {
  for (int64_t o = 0; o < num_output; ++o) {
    const float* row = dy + o * width;
    b_diff[o] += std::accumulate(row, row + width, 0.0f);
  }
}

}  // namespace

void ConvolutionLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.convolution_param();
  VISAGE_LAYER_CHECK(p.num_output() > 0, "convolution_param.num_output must be positive, got ",
                     p.num_output());
  VISAGE_LAYER_CHECK(p.axis() == 1 || p.axis() == -3,
                     "only axis 1 (NCHW channels) is supported, got axis ", p.axis());
  VISAGE_LAYER_CHECK(bottom[0]->num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     bottom[0]->shape_string());
  with_context(describe() + ": convolution_param", [&] { read_window(window_fields(p), window_); });
  num_output_ = p.num_output();
  group_ = p.group();
  bias_term_ = p.bias_term();
  const int64_t channels = bottom[0]->dim(1);
  VISAGE_LAYER_CHECK(group_ > 0 && channels % group_ == 0 && num_output_ % group_ == 0, "group ",
                     group_, " must divide both the input channels (", channels, ", input ",
                     bottom[0]->shape_string(), ") and num_output (", num_output_, ")");
  window_.channels = channels;
  with_context(describe() + ": weight_filler", [&] { validate_filler(p.weight_filler()); });
  with_context(describe() + ": bias_filler", [&] { validate_filler(p.bias_filler()); });

  params_.clear();
  params_.push_back(std::make_shared<Tensor>(
      Shape{num_output_, channels / group_, window_.kernel_h, window_.kernel_w}));
  fill(p.weight_filler(), weights(), ctx.rng());
  if (bias_term_) {
    params_.push_back(std::make_shared<Tensor>(Shape{num_output_}));
    fill(p.bias_filler(), bias(), ctx.rng());
  }
}

void ConvolutionLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     in.shape_string());
  VISAGE_LAYER_CHECK(in.dim(1) == window_.channels, "input ", in.shape_string(), " has ", in.dim(1),
                     " channels but the weights ", weights().shape_string(), " expect ",
                     window_.channels);
  window_.height = in.dim(2);
  window_.width = in.dim(3);
  with_context(describe(), [&] { check_kernel_fits(window_, in.shape_string()); });
  batch_ = in.dim(0);
  winograd_tile_ = cpu::winograd_tile(window_, group_);
  direct_ = winograd_tile_ == 0 && cpu::direct_convolution_suits(window_, group_, num_output_);
  top[0]->reshape({batch_, num_output_, window_.out_h(), window_.out_w()});
}

int64_t ConvolutionLayer::forward_macs(Tensors bottom, Tensors top) const {
  return batch_ * window_.out_h() * window_.out_w() * num_output_ * window_.patch_size() / group_;
}

// The CPU passes work on chunks of images whose columns sit side by side in one matrix, so that a
// layer with few output pixels (the 7x7 inception convolutions) still runs one wide GEMM per group
// instead of one thin GEMM per image. The chunks are handed to the BLAS threads as they come free
// (cpu::run_blocks), so that a thread the OS preempts does not hold the others up.
ConvolutionLayer::CpuPlan ConvolutionLayer::cpu_plan(ConvolutionAlgorithms algorithms) const {
  const int64_t pixels = window_.out_h() * window_.out_w();
  const int workers = cpu::slice_workers(batch_);
  const int64_t share = std::max<int64_t>((batch_ + workers - 1) / workers, 1);
  const int64_t per_image = (window_.patch_size() + num_output_) * pixels;
  const bool in_place = algorithms == ConvolutionAlgorithms::fastest && window_.is_identity() &&
                        pixels >= kCpuLeastPixelsInPlace;
  const int64_t wanted = in_place ? 1 : (kCpuTargetColumns + pixels - 1) / pixels;
  const int64_t fits = kCpuScratchFloats / std::max<int64_t>(per_image, 1);
  const int64_t most = std::clamp<int64_t>(std::min(wanted, fits), 1, share);
  // Even chunks: 16 images in chunks of at most 6 run as 6+5+5, not 6+6+4.
  const int64_t chunks = (share + most - 1) / most;
  const int64_t chunk = (share + chunks - 1) / chunks;
  const int64_t floats_per_output_row = window_.patch_size() * window_.out_w();
  if (chunk == 1 && !window_.is_identity() &&
      floats_per_output_row * window_.out_h() > kCpuBandImagesAboveFloats) {
    const int64_t least_rows = (kCpuBandLeastColumns + window_.out_w() - 1) / window_.out_w();
    const int64_t band_rows = std::clamp<int64_t>(
        std::max(kCpuBandTargetFloats / floats_per_output_row, least_rows), 1, window_.out_h());
    // Backward also sums the weight gradient, transposed, beside the band's columns.
    const int64_t weight_count = num_output_ * window_.patch_size() / group_;
    return {workers, 1, band_rows * floats_per_output_row + weight_count, band_rows};
  }
  return {workers, chunk, chunk * per_image, 0};
}

void ConvolutionLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  if (winograd_tile_ != 0 && ctx.convolution_algorithms() == ConvolutionAlgorithms::fastest) {
    forward_winograd(ctx, bottom[0]->data().data(), weights().data().data(),
                     bias_term_ ? bias().data().data() : nullptr, top[0]->mutable_data().data());
    return;
  }
  if (direct_ && ctx.convolution_algorithms() == ConvolutionAlgorithms::fastest &&
      ctx.simd_level() != cpu::SimdLevel::baseline) {
    forward_direct(ctx, bottom[0]->data().data(), weights().data().data(),
                   bias_term_ ? bias().data().data() : nullptr, top[0]->mutable_data().data());
    return;
  }
  const CpuPlan plan = cpu_plan(ctx.convolution_algorithms());
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * window_.out_h() * window_.out_w();
  float* scratch = ctx.host_workspace(plan.workers * plan.scratch);
  const float* in = bottom[0]->data().data();
  const float* w = weights().data().data();
  const float* b = bias_term_ ? bias().data().data() : nullptr;
  float* out = top[0]->mutable_data().data();

  cpu::run_blocks(batch_, plan.chunk, plan.workers, [&](int64_t first, int64_t end, int worker) {
    float* columns = scratch + worker * plan.scratch;
    if (plan.band_rows > 0) {
      forward_bands(plan.band_rows, in + first * image_size, w, b, columns, out + first * out_size);
    } else {
      forward_images(end - first, in + first * image_size, w, b, columns, out + first * out_size);
    }
  });
}

void ConvolutionLayer::forward_images(int64_t count, const float* in, const float* w,
                                      const float* b, float* columns, float* out) const {
  const int64_t pixels = window_.out_h() * window_.out_w();
  const int64_t width = count * pixels;
  const int64_t out_per_group = num_output_ / group_;
  const int64_t patch_per_group = window_.patch_size() / group_;
  const int64_t image_size = window_.channels * window_.height * window_.width;
  // One image's results are already NCHW, and its 1x1 stride-1 columns are the image itself.
  const bool direct = count == 1;
  const bool identity = direct && window_.is_identity();
  const float* cols = in;
  if (!identity) {
    for (int64_t i = 0; i < count; ++i) {
      cpu::im2col(window_, in + i * image_size, columns + i * pixels, width);
    }
    cols = columns;
  }
  float* results = direct ? out : columns + window_.patch_size() * width;
  for (int64_t g = 0; g < group_; ++g) {
    cpu::gemm(Trans::no, Trans::no, out_per_group, width, patch_per_group, 1.0f,
              w + g * out_per_group * patch_per_group, cols + g * patch_per_group * width, 0.0f,
              results + g * out_per_group * width);
  }
  if (direct) {
    finish_outputs(b, relu_, num_output_, pixels, pixels, out);
    return;
  }
  // (O, count * pixels) -> (count, O, pixels), adding the bias on the way.
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t o = 0; o < num_output_; ++o) {
      const float* src = results + o * width + i * pixels;
      float* dst = out + (i * num_output_ + o) * pixels;
      const float bias_o = b != nullptr ? b[o] : 0.0f;
      for (int64_t p = 0; p < pixels; ++p) dst[p] = src[p] + bias_o;
    }
    finish_outputs(nullptr, relu_, num_output_, pixels, pixels, out + i * num_output_ * pixels);
  }
}

// A band is a block of columns of the whole image's product. OpenBLAS sums each output over its
// patch in the same order whatever the block's width, so the outputs keep their bits (checked on
// DeepFace, NN1 and NN2 with this machine's OpenBLAS; the tests ask only for the same values).
void ConvolutionLayer::forward_bands(int64_t band_rows, const float* in, const float* w,
                                     const float* b, float* columns, float* out) const {
  const int64_t out_h = window_.out_h();
  const int64_t out_w = window_.out_w();
  const int64_t pixels = out_h * out_w;
  const int64_t out_per_group = num_output_ / group_;
  const int64_t patch_per_group = window_.patch_size() / group_;
  for (int64_t row = 0; row < out_h; row += band_rows) {
    const int64_t end_row = std::min(row + band_rows, out_h);
    const int64_t width = (end_row - row) * out_w;
    cpu::im2col_rows(window_, in, row, end_row, columns);
    for (int64_t g = 0; g < group_; ++g) {
      cpu::gemm(Trans::no, Trans::no, out_per_group, width, patch_per_group, 1.0f,
                w + g * out_per_group * patch_per_group, columns + g * patch_per_group * width,
                0.0f, out + g * out_per_group * pixels + row * out_w, {.c = pixels});
    }
    finish_outputs(b, relu_, num_output_, width, pixels, out + row * out_w);
  }
}

// Backward cuts the batch into contiguous slices of chunks, a few per thread, handed out as the
// threads come free. Each slice sums its parameter gradients over its chunks in order, into a
// buffer of its own (the first slice straight into the layer's gradients), and the buffers are
// added in slice order at the end: the result does not depend on which thread ran which slice.
void ConvolutionLayer::backward_cpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  if (winograd_tile_ != 0 && ctx.convolution_algorithms() == ConvolutionAlgorithms::fastest) {
    backward_winograd(ctx, bottom[0]->data().data(), top[0]->diff().data(), weights().data().data(),
                      weights().mutable_diff().data(),
                      bias_term_ ? bias().mutable_diff().data() : nullptr,
                      propagate_down[0] ? bottom[0]->mutable_diff().data() : nullptr);
    return;
  }
  if (direct_ && ctx.convolution_algorithms() == ConvolutionAlgorithms::fastest &&
      ctx.simd_level() != cpu::SimdLevel::baseline) {
    backward_direct(ctx, bottom[0]->data().data(), top[0]->diff().data(), weights().data().data(),
                    weights().mutable_diff().data(),
                    bias_term_ ? bias().mutable_diff().data() : nullptr,
                    propagate_down[0] ? bottom[0]->mutable_diff().data() : nullptr);
    return;
  }
  const CpuPlan plan = cpu_plan(ctx.convolution_algorithms());
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * window_.out_h() * window_.out_w();
  const int64_t weight_count = weights().count();
  const int64_t private_size = weight_count + (bias_term_ ? num_output_ : 0);
  const int64_t chunks = (batch_ + plan.chunk - 1) / plan.chunk;
  const int64_t slices =
      cpu::gradient_slices(chunks, plan.workers, private_size, kCpuGradientFloats);
  float* scratch = ctx.host_workspace(plan.workers * plan.scratch + (slices - 1) * private_size);
  float* private_diffs = scratch + plan.workers * plan.scratch;
  const float* in = bottom[0]->data().data();
  const float* top_diff = top[0]->diff().data();
  const float* w = weights().data().data();
  // Parameter gradients accumulate (iter_size and shared weights rely on it).
  float* w_diff = weights().mutable_diff().data();
  float* b_diff = bias_term_ ? bias().mutable_diff().data() : nullptr;
  float* in_diff = propagate_down[0] ? bottom[0]->mutable_diff().data() : nullptr;

  cpu::run_blocks(slices, 1, plan.workers, [&](int64_t slice, int64_t, int worker) {
    float* my_w_diff = w_diff;
    float* my_b_diff = b_diff;
    if (slice > 0) {
      my_w_diff = private_diffs + (slice - 1) * private_size;
      my_b_diff = bias_term_ ? my_w_diff + weight_count : nullptr;
      std::fill_n(my_w_diff, private_size, 0.0f);
    }
    const int64_t end = std::min(chunks * (slice + 1) / slices * plan.chunk, batch_);
    for (int64_t first = chunks * slice / slices * plan.chunk; first < end; first += plan.chunk) {
      float* columns = scratch + worker * plan.scratch;
      float* image_diff = in_diff != nullptr ? in_diff + first * image_size : nullptr;
      if (plan.band_rows > 0) {
        backward_bands(plan.band_rows, in + first * image_size, top_diff + first * out_size, w,
                       columns, my_w_diff, my_b_diff, image_diff);
      } else {
        backward_images(std::min(plan.chunk, end - first), in + first * image_size,
                        top_diff + first * out_size, w, columns, my_w_diff, my_b_diff, image_diff);
      }
    }
  });
  for (int64_t slice = 1; slice < slices; ++slice) {
    const float* part = private_diffs + (slice - 1) * private_size;
    for (int64_t i = 0; i < weight_count; ++i) w_diff[i] += part[i];
    for (int64_t o = 0; b_diff != nullptr && o < num_output_; ++o) {
      b_diff[o] += part[weight_count + o];
    }
  }
}

void ConvolutionLayer::backward_images(int64_t count, const float* in, const float* top_diff,
                                       const float* w, float* columns, float* w_diff, float* b_diff,
                                       float* in_diff) const {
  const int64_t pixels = window_.out_h() * window_.out_w();
  const int64_t width = count * pixels;
  const int64_t out_per_group = num_output_ / group_;
  const int64_t patch_per_group = window_.patch_size() / group_;
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const bool direct = count == 1;
  // (count, O, pixels) -> (O, count * pixels), the layout of the forward pass's results.
  const float* dy = top_diff;
  if (!direct) {
    float* gathered = columns + window_.patch_size() * width;
    for (int64_t i = 0; i < count; ++i) {
      for (int64_t o = 0; o < num_output_; ++o) {
        std::copy_n(top_diff + (i * num_output_ + o) * pixels, pixels,
                    gathered + o * width + i * pixels);
      }
    }
    dy = gathered;
  }
  if (b_diff != nullptr) accumulate_bias_diff(dy, num_output_, width, b_diff);
  const bool identity = direct && window_.is_identity();
  const float* cols = in;
  if (!identity) {
    for (int64_t i = 0; i < count; ++i) {
      cpu::im2col(window_, in + i * image_size, columns + i * pixels, width);
    }
    cols = columns;
  }
  for (int64_t g = 0; g < group_; ++g) {
    cpu::gemm(Trans::no, Trans::yes, out_per_group, patch_per_group, width, 1.0f,
              dy + g * out_per_group * width, cols + g * patch_per_group * width, 1.0f,
              w_diff + g * out_per_group * patch_per_group);
  }
  if (in_diff == nullptr) return;
  // The patches' gradient overwrites the patches, which the weight gradient no longer needs.
  float* cols_diff = identity ? in_diff : columns;
  for (int64_t g = 0; g < group_; ++g) {
    cpu::gemm(Trans::yes, Trans::no, patch_per_group, width, out_per_group, 1.0f,
              w + g * out_per_group * patch_per_group, dy + g * out_per_group * width, 0.0f,
              cols_diff + g * patch_per_group * width);
  }
  if (identity) return;
  for (int64_t i = 0; i < count; ++i) {
    cpu::col2im(window_, columns + i * pixels, in_diff + i * image_size, width);
  }
}

// The bands run from the last to the first, so that col2im_add_rows gives each input pixel its
// terms in col2im's order, and the bottom gradient keeps its bits as the outputs do (above). The
// weight gradient sums each band's pixels in turn, a different order than one GEMM over them all.
// It is summed transposed, (patch x O) += columns * dy^T, starting from w_diff transposed: OpenBLAS
// runs that shape faster when O is small (DeepFace's C3, 16 x 2592 per band of 63 pixels: 59 ->
// 80 GFLOP/s on one core; NN2's conv1: 82 -> 100). Its SkylakeX kernels sum each entry in the
// same order either way (same bits); its Haswell kernels do not (last-place differences).
void ConvolutionLayer::backward_bands(int64_t band_rows, const float* in, const float* top_diff,
                                      const float* w, float* columns, float* w_diff, float* b_diff,
                                      float* in_diff) const {
  const int64_t out_h = window_.out_h();
  const int64_t out_w = window_.out_w();
  const int64_t pixels = out_h * out_w;
  const int64_t out_per_group = num_output_ / group_;
  const int64_t patch_per_group = window_.patch_size() / group_;
  const int64_t group_weights = out_per_group * patch_per_group;
  float* w_diff_t = columns + band_rows * out_w * window_.patch_size();
  for (int64_t g = 0; g < group_; ++g) {
    transpose(out_per_group, patch_per_group, w_diff + g * group_weights,
              w_diff_t + g * group_weights);
  }
  if (b_diff != nullptr) accumulate_bias_diff(top_diff, num_output_, pixels, b_diff);
  if (in_diff != nullptr) {
    std::fill_n(in_diff, window_.channels * window_.height * window_.width, 0.0f);
  }
  const int64_t bands = (out_h + band_rows - 1) / band_rows;
  for (int64_t band = bands - 1; band >= 0; --band) {
    const int64_t row = band * band_rows;
    const int64_t end_row = std::min(row + band_rows, out_h);
    const int64_t width = (end_row - row) * out_w;
    const float* dy = top_diff + row * out_w;
    cpu::im2col_rows(window_, in, row, end_row, columns);
    for (int64_t g = 0; g < group_; ++g) {
      cpu::gemm(Trans::no, Trans::yes, patch_per_group, out_per_group, width, 1.0f,
                columns + g * patch_per_group * width, dy + g * out_per_group * pixels, 1.0f,
                w_diff_t + g * group_weights, {.b = pixels});
    }
    if (in_diff == nullptr) continue;
    // The band's patch gradients overwrite its patches, which the weight gradient has used.
    for (int64_t g = 0; g < group_; ++g) {
      cpu::gemm(Trans::yes, Trans::no, patch_per_group, width, out_per_group, 1.0f,
                w + g * out_per_group * patch_per_group, dy + g * out_per_group * pixels, 0.0f,
                columns + g * patch_per_group * width, {.b = pixels});
    }
    cpu::col2im_add_rows(window_, columns, row, end_row, in_diff);
  }
  for (int64_t g = 0; g < group_; ++g) {
    transpose(patch_per_group, out_per_group, w_diff_t + g * group_weights,
              w_diff + g * group_weights);
  }
}

}  // namespace visage
