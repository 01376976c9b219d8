// Convolution's CPU passes through the direct kernel (layers/direct_convolution.hpp): the weights
// packed once per pass, then an image to a worker as the workers come free. Each output is summed
// by one worker in the kernel's fixed order, so every run gives the same bits.
#include <algorithm>
#include <numeric>

#include "layers/convolution.hpp"
#include "layers/direct_convolution.hpp"
#include "layers/sliced_parallel.hpp"

namespace visage {

namespace {

// Copies the height x width block at the start of each of `channels` planes of `from` (rows
// from_w floats apart, planes from_plane apart) to the same block of `to`'s planes. Into the
// middle of padded planes and back out of them, with `to` or `from` pointing at the middle.
void copy_planes(int64_t channels, int64_t height, int64_t width, const float* from, int64_t from_w,
                 int64_t from_plane, float* to, int64_t to_w, int64_t to_plane) {
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t y = 0; y < height; ++y) {
      std::copy_n(from + c * from_plane + y * from_w, width, to + c * to_plane + y * to_w);
    }
  }
}

// Copies `channels` planes of height x width into the middle of planes padded by pad_h rows and
// pad_w columns on each side, whose border stays as it is (zeros).
void copy_into_padded(const float* from, int64_t channels, int64_t height, int64_t width,
                      int64_t pad_h, int64_t pad_w, float* to) {
  const int64_t padded_w = width + 2 * pad_w;
  copy_planes(channels, height, width, from, width, height * width, to + pad_h * padded_w + pad_w,
              padded_w, (height + 2 * pad_h) * padded_w);
}

// The reverse: the middle of padded planes into planes of height x width.
void copy_from_padded(const float* from, int64_t channels, int64_t height, int64_t width,
                      int64_t pad_h, int64_t pad_w, float* to) {
  const int64_t padded_w = width + 2 * pad_w;
  copy_planes(channels, height, width, from + pad_h * padded_w + pad_w, padded_w,
              (height + 2 * pad_h) * padded_w, to, width, height * width);
}

}  // namespace

void ConvolutionLayer::forward_direct(Context& ctx, const float* in, const float* w, const float* b,
                                      float* out) {
  const cpu::SimdLevel level = ctx.simd_level();
  const int64_t pad_h = window_.pad_h, pad_w = window_.pad_w;
  const cpu::DirectShape shape{window_.channels,          window_.height + 2 * pad_h,
                               window_.width + 2 * pad_w, num_output_,
                               window_.kernel_h,          window_.kernel_w};
  const int64_t packed_size = cpu::direct_packed_size(shape, level);
  const bool padded = pad_h > 0 || pad_w > 0;
  const int64_t padded_size = padded ? shape.channels * shape.height * shape.width : 0;
  const int workers = cpu::slice_workers(batch_);
  float* packed = ctx.host_workspace(packed_size + workers * padded_size);
  cpu::pack_direct_weights(shape, level, w, packed);
  float* scratch = packed + packed_size;
  if (padded) std::fill_n(scratch, workers * padded_size, 0.0f);
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * shape.out_h() * shape.out_w();
  cpu::run_blocks(batch_, 1, workers, [&](int64_t image, int64_t, int worker) {
    const float* source = in + image * image_size;
    if (padded) {
      float* planes = scratch + worker * padded_size;
      copy_into_padded(source, window_.channels, window_.height, window_.width, pad_h, pad_w,
                       planes);
      source = planes;
    }
    cpu::direct_convolve(shape, level, packed, source, b, relu_, out + image * out_size);
  });
}

// Backward cuts the batch into contiguous slices of images, each summing its parameter gradients
// image after image into a buffer of its own (the first slice straight into the layer's), added
// in slice order at the end, as the im2col route does (layers/convolution.cpp). Each image's
// weight gradient is, per input channel, the convolution of that channel with the image's dy
// planes as the kernel (cpu::direct_convolve_add).
void ConvolutionLayer::backward_direct(Context& ctx, const float* in, const float* top_diff,
                                       const float* w, float* w_diff, float* b_diff,
                                       float* in_diff) {
  // At most 16 MB of per-slice gradients.
  constexpr int64_t kGradientFloats = int64_t{1} << 22;
  const cpu::SimdLevel level = ctx.simd_level();
  const int64_t pad_h = window_.pad_h, pad_w = window_.pad_w;
  const int64_t out_h = window_.out_h(), out_w = window_.out_w(), pixels = out_h * out_w;
  const int64_t kernel_size = window_.kernel_h * window_.kernel_w;
  // One input channel against the dy planes as a kernel: the output is the kernel's kh x kw.
  const cpu::DirectShape shape{
      1, window_.height + 2 * pad_h, window_.width + 2 * pad_w, num_output_, out_h, out_w};
  const int64_t packed_size = cpu::direct_packed_size(shape, level);
  const bool padded = pad_h > 0 || pad_w > 0;
  const int64_t plane = shape.height * shape.width;
  const int64_t padded_size = padded ? window_.channels * plane : 0;
  const int64_t weight_count = num_output_ * window_.channels * kernel_size;
  const int64_t private_size = weight_count + (b_diff != nullptr ? num_output_ : 0);
  const int workers = cpu::slice_workers(batch_);
  const int64_t slices = cpu::gradient_slices(batch_, workers, private_size, kGradientFloats);
  const int64_t per_worker = packed_size + padded_size;
  float* scratch = ctx.host_workspace(workers * per_worker + (slices - 1) * private_size);
  float* private_diffs = scratch + workers * per_worker;
  if (padded) {
    for (int worker = 0; worker < workers; ++worker) {
      std::fill_n(scratch + worker * per_worker + packed_size, padded_size, 0.0f);
    }
  }
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * pixels;
  cpu::run_blocks(slices, 1, workers, [&](int64_t slice, int64_t, int worker) {
    float* my_w_diff = w_diff;
    float* my_b_diff = b_diff;
    if (slice > 0) {
      my_w_diff = private_diffs + (slice - 1) * private_size;
      my_b_diff = b_diff != nullptr ? my_w_diff + weight_count : nullptr;
      std::fill_n(my_w_diff, private_size, 0.0f);
    }
    float* packed = scratch + worker * per_worker;
    const int64_t end = batch_ * (slice + 1) / slices;
    for (int64_t image = batch_ * slice / slices; image < end; ++image) {
      const float* dy = top_diff + image * out_size;
      for (int64_t o = 0; my_b_diff != nullptr && o < num_output_; ++o) {
        my_b_diff[o] += std::accumulate(dy + o * pixels, dy + (o + 1) * pixels, 0.0f);
      }
      cpu::pack_direct_weights(shape, level, dy, packed);
      const float* source = in + image * image_size;
      if (padded) {
        float* planes = packed + packed_size;
        copy_into_padded(source, window_.channels, window_.height, window_.width, pad_h, pad_w,
                         planes);
        source = planes;
      }
      for (int64_t c = 0; c < window_.channels; ++c) {
        cpu::direct_convolve_add(shape, level, packed, source + c * plane,
                                 my_w_diff + c * kernel_size, window_.channels * kernel_size);
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
  if (in_diff != nullptr) backward_direct_inputs(ctx, top_diff, w, in_diff);
}

// dx is the adjoint convolution of dy (padded by the kernel's extent less one) with the weights
// transposed and turned; its output is the padded input's gradient, whose middle is dx.
void ConvolutionLayer::backward_direct_inputs(Context& ctx, const float* top_diff, const float* w,
                                              float* in_diff) {
  const cpu::SimdLevel level = ctx.simd_level();
  const int64_t out_h = window_.out_h(), out_w = window_.out_w();
  const int64_t reach_h = window_.kernel_h - 1, reach_w = window_.kernel_w - 1;
  const cpu::DirectShape shape{num_output_,      out_h + 2 * reach_h, out_w + 2 * reach_w,
                               window_.channels, window_.kernel_h,    window_.kernel_w};
  const int64_t packed_size = cpu::direct_packed_size(shape, level);
  const int64_t padded_dy = shape.channels * shape.height * shape.width;
  const bool cropped = window_.pad_h > 0 || window_.pad_w > 0;
  const int64_t padded_dx = cropped ? shape.outputs * shape.out_h() * shape.out_w() : 0;
  const int workers = cpu::slice_workers(batch_);
  float* packed = ctx.host_workspace(packed_size + workers * (padded_dy + padded_dx));
  cpu::pack_direct_weights_adjoint(shape, level, w, packed);
  float* scratch = packed + packed_size;
  for (int worker = 0; worker < workers; ++worker) {
    std::fill_n(scratch + worker * (padded_dy + padded_dx), padded_dy, 0.0f);
  }
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * out_h * out_w;
  cpu::run_blocks(batch_, 1, workers, [&](int64_t image, int64_t, int worker) {
    float* dy = scratch + worker * (padded_dy + padded_dx);
    copy_into_padded(top_diff + image * out_size, num_output_, out_h, out_w, reach_h, reach_w, dy);
    float* dx = in_diff + image * image_size;
    if (!cropped) {
      cpu::direct_convolve(shape, level, packed, dy, nullptr, false, dx);
      return;
    }
    float* whole = dy + padded_dy;
    cpu::direct_convolve(shape, level, packed, dy, nullptr, false, whole);
    copy_from_padded(whole, window_.channels, window_.height, window_.width, window_.pad_h,
                     window_.pad_w, dx);
  });
}

}  // namespace visage
