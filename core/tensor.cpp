#include "core/tensor.hpp"

#include <algorithm>

#include "core/context.hpp"
#include "core/error.hpp"

namespace visage {

void Tensor::reshape(const Shape& shape) {
  for (int64_t d : shape) {
    VISAGE_CHECK(d >= 0, "negative dimension in shape ", to_string(shape));
  }
  const int64_t count = shape_count(shape);
  if (is_view_) {
    VISAGE_CHECK(count <= capacity_, "cannot grow a parameter view of ", capacity_,
                 " elements to shape ", to_string(shape));
  }
  shape_ = shape;
  count_ = count;
  if (count_ > capacity_) {
    capacity_ = count_;
    data_.reset();
    diff_.reset();
    data_offset_ = diff_offset_ = 0;
  }
  allocate_if_needed();
}

void Tensor::allocate_if_needed() {
  const auto bytes = static_cast<std::size_t>(capacity_) * sizeof(float);
  if (!data_) {
    data_ = std::make_shared<Storage>(bytes);
    owns_whole_data_ = true;
  }
  if (!diff_) {
    diff_ = std::make_shared<Storage>(bytes);
    owns_whole_diff_ = true;
  }
}

int64_t Tensor::dim(int axis) const { return shape_[canonical_axis(axis, num_axes())]; }

std::span<const float> Tensor::data() const {
  return {static_cast<const float*>(data_->host()) + data_offset_, static_cast<size_t>(count_)};
}
std::span<float> Tensor::mutable_data() {
  return {static_cast<float*>(data_->mutable_host()) + data_offset_, static_cast<size_t>(count_)};
}
std::span<const float> Tensor::diff() const {
  return {static_cast<const float*>(diff_->host()) + diff_offset_, static_cast<size_t>(count_)};
}
std::span<float> Tensor::mutable_diff() {
  return {static_cast<float*>(diff_->mutable_host()) + diff_offset_, static_cast<size_t>(count_)};
}

const float* Tensor::gpu_data(const Context& ctx) const {
  return static_cast<const float*>(data_->device(ctx)) + data_offset_;
}
float* Tensor::mutable_gpu_data(const Context& ctx) {
  return static_cast<float*>(data_->mutable_device(ctx)) + data_offset_;
}
const float* Tensor::gpu_diff(const Context& ctx) const {
  return static_cast<const float*>(diff_->device(ctx)) + diff_offset_;
}
float* Tensor::mutable_gpu_diff(const Context& ctx) {
  return static_cast<float*>(diff_->mutable_device(ctx)) + diff_offset_;
}

const float* Tensor::data_on(const Context& ctx) const {
  return ctx.is_gpu() ? gpu_data(ctx) : data().data();
}
float* Tensor::mutable_data_on(const Context& ctx) {
  return ctx.is_gpu() ? mutable_gpu_data(ctx) : mutable_data().data();
}
const float* Tensor::diff_on(const Context& ctx) const {
  return ctx.is_gpu() ? gpu_diff(ctx) : diff().data();
}
float* Tensor::mutable_diff_on(const Context& ctx) {
  return ctx.is_gpu() ? mutable_gpu_diff(ctx) : mutable_diff().data();
}

void Tensor::zero_data(const Context& ctx) {
  if (owns_whole_data_ && count_ == capacity_) {
    data_->set_zero(ctx);
  } else if (ctx.is_gpu()) {
    device::fill_zero(mutable_gpu_data(ctx), count_ * sizeof(float), ctx.stream());
  } else {
    std::ranges::fill(mutable_data(), 0.0f);
  }
}

void Tensor::zero_diff(const Context& ctx) {
  if (owns_whole_diff_ && count_ == capacity_) {
    diff_->set_zero(ctx);
  } else if (ctx.is_gpu()) {
    device::fill_zero(mutable_gpu_diff(ctx), count_ * sizeof(float), ctx.stream());
  } else {
    std::ranges::fill(mutable_diff(), 0.0f);
  }
}

void Tensor::share_data(const Tensor& other) {
  VISAGE_CHECK(other.count_ == count_, "share_data between tensors of shapes ", shape_string(),
               " and ", other.shape_string());
  data_ = other.data_;
  data_offset_ = other.data_offset_;
  owns_whole_data_ = false;
}

void Tensor::share_diff(const Tensor& other) {
  VISAGE_CHECK(other.count_ == count_, "share_diff between tensors of shapes ", shape_string(),
               " and ", other.shape_string());
  diff_ = other.diff_;
  diff_offset_ = other.diff_offset_;
  owns_whole_diff_ = false;
}

void Tensor::bind(std::shared_ptr<Storage> data, std::shared_ptr<Storage> diff, int64_t offset) {
  const auto needed = static_cast<std::size_t>(offset + count_) * sizeof(float);
  VISAGE_CHECK(data->bytes() >= needed && diff->bytes() >= needed,
               "parameter view out of the buffer's range");
  data_ = std::move(data);
  diff_ = std::move(diff);
  data_offset_ = offset;
  diff_offset_ = offset;
  owns_whole_data_ = false;
  owns_whole_diff_ = false;
  capacity_ = count_;
  is_view_ = true;
}

void Tensor::copy_data_from(const Tensor& other) {
  VISAGE_CHECK(other.count() == count_, "cannot copy a tensor of shape ", other.shape_string(),
               " into one of shape ", shape_string());
  std::ranges::copy(other.data(), mutable_data().begin());
}

}  // namespace visage
