// numpy arrays in and out of the engine: results move into arrays without a copy, and arrays that
// already are C-contiguous float32 are read in place.
#pragma once

#include <pybind11/numpy.h>

#include <string>
#include <vector>

#include "core/shape.hpp"

namespace visage::python {

using FloatArray = pybind11::array_t<float, pybind11::array::c_style | pybind11::array::forcecast>;

// An array that owns `values` (moved, not copied); numpy frees them with the array.
FloatArray to_numpy(std::vector<float>&& values, const Shape& shape);

// `object` itself when it is a C-contiguous float32 array, otherwise numpy's conversion of it (a
// copy). Throws visage::Error naming `what` when numpy cannot convert it.
FloatArray as_float_array(const pybind11::handle& object, const std::string& what);

Shape shape_of(const pybind11::array& array);

}  // namespace visage::python
