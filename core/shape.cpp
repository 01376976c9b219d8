#include "core/shape.hpp"

#include "core/error.hpp"

namespace visage {

std::string to_string(const Shape& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += " x ";
    out += std::to_string(shape[i]);
  }
  return out + ")";
}

int64_t shape_count(const Shape& shape, int begin, int end) {
  if (end < 0) end = static_cast<int>(shape.size());
  int64_t n = 1;
  for (int i = begin; i < end; ++i) {
    // Config values reach shapes unchecked in size; a wrapped product would size a buffer wrongly.
    VISAGE_CHECK(!__builtin_mul_overflow(n, shape[i], &n) && n <= kMaxElements, "shape ",
                 to_string(shape), " has more elements than a tensor can hold (", kMaxElements,
                 ")");
  }
  return n;
}

int canonical_axis(int axis, int num_axes) {
  VISAGE_CHECK(axis >= -num_axes && axis < num_axes, "axis ", axis, " is out of range for a ",
               num_axes, "-D tensor");
  return axis < 0 ? axis + num_axes : axis;
}

}  // namespace visage
