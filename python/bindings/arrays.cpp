#include "python/bindings/arrays.hpp"

#include <memory>

#include "core/error.hpp"

namespace visage::python {

namespace py = pybind11;

FloatArray to_numpy(std::vector<float>&& values, const Shape& shape) {
  VISAGE_CHECK(shape_count(shape) == static_cast<int64_t>(values.size()), "internal: shape ",
               to_string(shape), " for ", values.size(), " values");
  auto owner = std::make_unique<std::vector<float>>(std::move(values));
  float* data = owner->data();
  py::capsule free_with_array(
      owner.get(), [](void* vector) { delete static_cast<std::vector<float>*>(vector); });
  owner.release();  // the capsule owns it now
  return FloatArray(std::vector<py::ssize_t>(shape.begin(), shape.end()), data, free_with_array);
}

FloatArray as_float_array(const py::handle& object, const std::string& what) {
  FloatArray array = FloatArray::ensure(object);
  if (!array) {
    py::error_already_set numpy_error;
    fail(what, ": expected an array of numbers (", numpy_error.what(), ")");
  }
  return array;
}

Shape shape_of(const py::array& array) {
  return Shape(array.shape(), array.shape() + array.ndim());
}

}  // namespace visage::python
