// An N-D array with a value (data) and a gradient (diff), each a lazily synchronised host/device
// buffer. The element type is a property of the tensor (only float32 today) so that mixed precision
// can come without templating the whole engine. A tensor may be a view into a larger buffer: the
// Net keeps all learnable parameters in one contiguous buffer and binds each parameter to its
// slice.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/shape.hpp"
#include "core/storage.hpp"

namespace visage {

class Context;

enum class DType { f32 };

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const Shape& shape) { reshape(shape); }

  // Keeps the buffers when they are large enough; a view can't grow beyond its slice.
  void reshape(const Shape& shape);
  void reshape_like(const Tensor& other) { reshape(other.shape()); }

  const Shape& shape() const { return shape_; }
  int num_axes() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const;
  int64_t count() const { return count_; }
  int64_t count(int begin, int end = -1) const { return shape_count(shape_, begin, end); }
  DType dtype() const { return DType::f32; }
  std::string shape_string() const { return to_string(shape_); }

  // Host views; reading syncs from the device if needed, writing marks the host copy as newest.
  std::span<const float> data() const;
  std::span<float> mutable_data();
  std::span<const float> diff() const;
  std::span<float> mutable_diff();

  const float* gpu_data(const Context& ctx) const;
  float* mutable_gpu_data(const Context& ctx);
  const float* gpu_diff(const Context& ctx) const;
  float* mutable_gpu_diff(const Context& ctx);

  // Pointers on the side `ctx` computes on (host or device).
  const float* data_on(const Context& ctx) const;
  float* mutable_data_on(const Context& ctx);
  const float* diff_on(const Context& ctx) const;
  float* mutable_diff_on(const Context& ctx);

  void zero_data(const Context& ctx);
  void zero_diff(const Context& ctx);

  void share_data(const Tensor& other);
  void share_diff(const Tensor& other);
  // Makes this tensor a view of `count()` elements at `offset` (in elements) of the two buffers.
  void bind(std::shared_ptr<Storage> data, std::shared_ptr<Storage> diff, int64_t offset);
  bool is_view() const { return is_view_; }

  void copy_data_from(const Tensor& other);

 private:
  void allocate_if_needed();

  Shape shape_;
  int64_t count_ = 0;
  int64_t capacity_ = 0;
  int64_t data_offset_ = 0;
  int64_t diff_offset_ = 0;
  bool is_view_ = false;
  // Whether the buffers hold exactly this tensor's elements, so whole-buffer operations apply.
  bool owns_whole_data_ = false;
  bool owns_whole_diff_ = false;
  std::shared_ptr<Storage> data_;
  std::shared_ptr<Storage> diff_;
};

}  // namespace visage
