#include "layers/convolution.hpp"

#include <numeric>

#include "core/filler.hpp"
#include "core/math.hpp"

namespace visage {

using cpu::Trans;

namespace {

// Caffe's rule for repeated spatial settings: none (the default), one for both axes, or h then w.
bool read_pair(const google::protobuf::RepeatedField<uint32_t>& values, int64_t& h, int64_t& w) {
  if (values.empty()) return false;
  h = values.Get(0);
  w = values.size() > 1 ? values.Get(1) : values.Get(0);
  return true;
}

}  // namespace

void ConvolutionLayer::read_window(const proto::ConvolutionParameter& p) {
  VISAGE_LAYER_CHECK(p.kernel_size_size() <= 2 && p.stride_size() <= 2 && p.pad_size() <= 2 &&
                         p.dilation_size() <= 2,
                     "kernel_size, stride, pad and dilation take one value or two (h, w) for a "
                     "2-D convolution");
  if (p.has_kernel_h() || p.has_kernel_w()) {
    VISAGE_LAYER_CHECK(p.has_kernel_h() && p.has_kernel_w() && p.kernel_size_size() == 0,
                       "give either kernel_size or both kernel_h and kernel_w");
    window_.kernel_h = p.kernel_h();
    window_.kernel_w = p.kernel_w();
  } else {
    VISAGE_LAYER_CHECK(read_pair(p.kernel_size(), window_.kernel_h, window_.kernel_w),
                       "convolution_param needs kernel_size (or kernel_h and kernel_w)");
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    VISAGE_LAYER_CHECK(p.has_stride_h() && p.has_stride_w() && p.stride_size() == 0,
                       "give either stride or both stride_h and stride_w");
    window_.stride_h = p.stride_h();
    window_.stride_w = p.stride_w();
  } else {
    read_pair(p.stride(), window_.stride_h, window_.stride_w);
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    VISAGE_LAYER_CHECK(p.pad_size() == 0, "give either pad or pad_h and pad_w");
    window_.pad_h = p.pad_h();
    window_.pad_w = p.pad_w();
  } else {
    read_pair(p.pad(), window_.pad_h, window_.pad_w);
  }
  read_pair(p.dilation(), window_.dilation_h, window_.dilation_w);
  VISAGE_LAYER_CHECK(window_.kernel_h > 0 && window_.kernel_w > 0, "kernel must be positive, got ",
                     window_.kernel_h, "x", window_.kernel_w);
  VISAGE_LAYER_CHECK(window_.stride_h > 0 && window_.stride_w > 0, "stride must be positive, got ",
                     window_.stride_h, "x", window_.stride_w);
  VISAGE_LAYER_CHECK(window_.dilation_h > 0 && window_.dilation_w > 0,
                     "dilation must be positive, got ", window_.dilation_h, "x",
                     window_.dilation_w);
}

void ConvolutionLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.convolution_param();
  VISAGE_LAYER_CHECK(p.num_output() > 0, "convolution_param.num_output must be positive, got ",
                     p.num_output());
  VISAGE_LAYER_CHECK(p.axis() == 1 || p.axis() == -3,
                     "only axis 1 (NCHW channels) is supported, got axis ", p.axis());
  VISAGE_LAYER_CHECK(bottom[0]->num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     bottom[0]->shape_string());
  read_window(p);
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
  VISAGE_LAYER_CHECK(window_.kernel_fits(), "kernel ", window_.kernel_h, "x", window_.kernel_w,
                     " (extent with dilation ", window_.extent_h(), "x", window_.extent_w(),
                     ") is larger than the padded input ", window_.height + 2 * window_.pad_h, "x",
                     window_.width + 2 * window_.pad_w, " (input ", in.shape_string(), ", ",
                     window_.describe(), ")");
  batch_ = in.dim(0);
  top[0]->reshape({batch_, num_output_, window_.out_h(), window_.out_w()});
}

int64_t ConvolutionLayer::forward_macs(Tensors bottom, Tensors top) const {
  return batch_ * window_.out_h() * window_.out_w() * num_output_ * window_.patch_size() / group_;
}

void ConvolutionLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t pixels = window_.out_h() * window_.out_w();
  const int64_t out_per_group = num_output_ / group_;
  const int64_t patch_per_group = window_.patch_size() / group_;
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const bool identity = window_.is_identity();
  float* col = identity ? nullptr : ctx.host_workspace(window_.patch_size() * pixels);
  const float* in = bottom[0]->data().data();
  const float* w = weights().data().data();
  const float* b = bias_term_ ? bias().data().data() : nullptr;
  float* out = top[0]->mutable_data().data();

  for (int64_t n = 0; n < batch_; ++n) {
    const float* image = in + n * image_size;
    if (!identity) cpu::im2col(window_, image, col);
    const float* columns = identity ? image : col;
    float* result = out + n * num_output_ * pixels;
    for (int64_t g = 0; g < group_; ++g) {
      cpu::gemm(Trans::no, Trans::no, out_per_group, pixels, patch_per_group, 1.0f,
                w + g * out_per_group * patch_per_group, columns + g * patch_per_group * pixels,
                0.0f, result + g * out_per_group * pixels);
    }
    if (b != nullptr) {
      for (int64_t o = 0; o < num_output_; ++o) {
        float* row = result + o * pixels;
        for (int64_t i = 0; i < pixels; ++i) row[i] += b[o];
      }
    }
  }
}

void ConvolutionLayer::backward_cpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  const int64_t pixels = window_.out_h() * window_.out_w();
  const int64_t out_per_group = num_output_ / group_;
  const int64_t patch_per_group = window_.patch_size() / group_;
  const int64_t image_size = window_.channels * window_.height * window_.width;
  const int64_t col_size = window_.patch_size() * pixels;
  const bool identity = window_.is_identity();
  // Two column buffers: the image's patches (for the weight gradient) and the patches' gradient.
  float* col = identity ? nullptr : ctx.host_workspace(2 * col_size);
  float* col_diff = identity ? nullptr : col + col_size;
  const float* in = bottom[0]->data().data();
  const float* top_diff = top[0]->diff().data();
  const float* w = weights().data().data();
  // Parameter gradients accumulate (iter_size and shared weights rely on it).
  float* w_diff = weights().mutable_diff().data();
  float* b_diff = bias_term_ ? bias().mutable_diff().data() : nullptr;
  float* in_diff = propagate_down[0] ? bottom[0]->mutable_diff().data() : nullptr;

  for (int64_t n = 0; n < batch_; ++n) {
    const float* image = in + n * image_size;
    const float* dy = top_diff + n * num_output_ * pixels;
    if (b_diff != nullptr) {
      for (int64_t o = 0; o < num_output_; ++o) {
        const float* row = dy + o * pixels;
        b_diff[o] += std::accumulate(row, row + pixels, 0.0f);
      }
    }
    if (!identity) cpu::im2col(window_, image, col);
    const float* columns = identity ? image : col;
    for (int64_t g = 0; g < group_; ++g) {
      cpu::gemm(Trans::no, Trans::yes, out_per_group, patch_per_group, pixels, 1.0f,
                dy + g * out_per_group * pixels, columns + g * patch_per_group * pixels, 1.0f,
                w_diff + g * out_per_group * patch_per_group);
    }
    if (in_diff == nullptr) continue;
    float* image_diff = in_diff + n * image_size;
    float* columns_diff = identity ? image_diff : col_diff;
    for (int64_t g = 0; g < group_; ++g) {
      cpu::gemm(Trans::yes, Trans::no, patch_per_group, pixels, out_per_group, 1.0f,
                w + g * out_per_group * patch_per_group, dy + g * out_per_group * pixels, 0.0f,
                columns_diff + g * patch_per_group * pixels);
    }
    if (!identity) cpu::col2im(window_, col_diff, image_diff);
  }
}

}  // namespace visage
