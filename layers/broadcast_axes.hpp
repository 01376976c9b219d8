// The geometry that Scale and Bias share (Caffe's): a parameter of shape S is applied to the input
// axes [axis, axis + rank(S)), so the input is seen as (outer, count(S), inner) and element
// (o, d, i) uses parameter element d. A scalar parameter (rank 0) applies to everything.
#pragma once

#include <cstdint>

#include "core/shape.hpp"

namespace visage {

struct BroadcastAxes {
  int axis = 0;
  int64_t outer = 0;
  int64_t dim = 0;
  int64_t inner = 0;
};

// The parameter shape covering `num_axes` input axes from `axis` (-1: all remaining axes).
// Throws when they fall outside the input.
Shape broadcast_param_shape(const Shape& input, int axis, int num_axes);

// How a parameter of shape `param` applies to `input` from `axis`; throws when the shapes disagree.
BroadcastAxes broadcast_axes(const Shape& input, const Shape& param, int axis);

}  // namespace visage
