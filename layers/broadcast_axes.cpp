#include "layers/broadcast_axes.hpp"

#include "core/error.hpp"

namespace visage {

Shape broadcast_param_shape(const Shape& input, int axis, int num_axes) {
  const int axes = static_cast<int>(input.size());
  const int first = canonical_axis(axis, axes);
  VISAGE_CHECK(num_axes >= -1, "num_axes must be -1 or more, got ", num_axes);
  const int end = num_axes == -1 ? axes : first + num_axes;
  VISAGE_CHECK(end <= axes, "axis ", axis, " with num_axes ", num_axes,
               " reaches past the last axis of an input of shape ", to_string(input));
  return Shape(input.begin() + first, input.begin() + end);
}

BroadcastAxes broadcast_axes(const Shape& input, const Shape& param, int axis) {
  const int axes = static_cast<int>(input.size());
  const int rank = static_cast<int>(param.size());
  BroadcastAxes b;
  b.axis = rank == 0 ? 0 : canonical_axis(axis, axes);
  bool fits = b.axis + rank <= axes;
  for (int i = 0; fits && i < rank; ++i) fits = input[b.axis + i] == param[i];
  VISAGE_CHECK(fits, "a parameter of shape ", to_string(param),
               " does not match the input of shape ", to_string(input), " from axis ", b.axis);
  b.outer = shape_count(input, 0, b.axis);
  b.dim = shape_count(param);
  b.inner = shape_count(input, b.axis + rank);
  return b;
}

}  // namespace visage
