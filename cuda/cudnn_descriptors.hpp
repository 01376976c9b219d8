// RAII owners of the cuDNN descriptors a convolution needs (tensor, filter, convolution), each
// created in its constructor and destroyed in its destructor, movable, not copyable. Float32,
// NCHW only: the layouts Visage's tensors have.
#pragma once

#include <cudnn.h>

#include <cstdint>
#include <utility>

#include "cuda/kernel.cuh"

namespace visage::gpu {

template <typename Handle, cudnnStatus_t (*Create)(Handle*), cudnnStatus_t (*Destroy)(Handle)>
class CudnnDescriptor {
 public:
  CudnnDescriptor() { VISAGE_CUDA_CHECK(Create(&handle_)); }
  ~CudnnDescriptor() {
    if (handle_ != nullptr) Destroy(handle_);
  }
  CudnnDescriptor(CudnnDescriptor&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  CudnnDescriptor& operator=(CudnnDescriptor&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  CudnnDescriptor(const CudnnDescriptor&) = delete;
  CudnnDescriptor& operator=(const CudnnDescriptor&) = delete;

  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

class TensorDescriptor
    : public CudnnDescriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor,
                             cudnnDestroyTensorDescriptor> {
 public:
  void set_nchw(int64_t n, int64_t c, int64_t h, int64_t w) {
    VISAGE_CUDA_CHECK(cudnnSetTensor4dDescriptor(
        get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, checked_int(n, "cuDNN tensor batch"),
        checked_int(c, "cuDNN tensor channels"), checked_int(h, "cuDNN tensor height"),
        checked_int(w, "cuDNN tensor width")));
  }
};

class FilterDescriptor
    : public CudnnDescriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor,
                             cudnnDestroyFilterDescriptor> {
 public:
  void set_kcrs(int64_t out, int64_t in, int64_t h, int64_t w) {
    VISAGE_CUDA_CHECK(cudnnSetFilter4dDescriptor(
        get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, checked_int(out, "cuDNN filter outputs"),
        checked_int(in, "cuDNN filter inputs"), checked_int(h, "cuDNN filter height"),
        checked_int(w, "cuDNN filter width")));
  }
};

class ConvolutionDescriptor
    : public CudnnDescriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                             cudnnDestroyConvolutionDescriptor> {
 public:
  // Cross-correlation (what Caffe and every framework call convolution), float accumulation.
  // CUDNN_FMA_MATH keeps fp32 exact: CUDNN_DEFAULT_MATH would let cuDNN use TF32 tensor cores on
  // Ampere and later, whose 10-bit mantissa breaks CPU-vs-GPU parity.
  void set(int64_t pad_h, int64_t pad_w, int64_t stride_h, int64_t stride_w, int64_t dilation_h,
           int64_t dilation_w, int64_t groups) {
    VISAGE_CUDA_CHECK(cudnnSetConvolution2dDescriptor(
        get(), checked_int(pad_h, "cuDNN pad_h"), checked_int(pad_w, "cuDNN pad_w"),
        checked_int(stride_h, "cuDNN stride_h"), checked_int(stride_w, "cuDNN stride_w"),
        checked_int(dilation_h, "cuDNN dilation_h"), checked_int(dilation_w, "cuDNN dilation_w"),
        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    VISAGE_CUDA_CHECK(cudnnSetConvolutionGroupCount(get(), checked_int(groups, "cuDNN groups")));
    VISAGE_CUDA_CHECK(cudnnSetConvolutionMathType(get(), CUDNN_FMA_MATH));
  }
};

}  // namespace visage::gpu
