// The extension module `visage._visage`. python/visage/*.py wraps it in the documented API
// (docs/python.md); the names here are that package's building blocks, not the public interface.
#include <pybind11/pybind11.h>

#include "core/blas_kernels.hpp"
#include "core/error.hpp"
#include "python/bindings/bindings.hpp"

PYBIND11_MODULE(_visage, module) {
  module.doc() = "Visage's C++ engine; use the `visage` package, which wraps this module.";
  module.attr("__version__") = VISAGE_VERSION;
  module.attr("with_cuda") = static_cast<bool>(VISAGE_WITH_CUDA);
  module.def(
      "blas", [] { return visage::cpu::describe_blas(); },
      "The BLAS this process multiplies with: library, kernels and threads, and how to get "
      "faster kernels where OpenBLAS fell back to old ones.");
  // visage::Error carries the whole context (file:line, layer, shapes); Python sees it as
  // visage.Error, a RuntimeError, with the same message.
  pybind11::register_exception<visage::Error>(module, "Error", PyExc_RuntimeError);
  visage::python::bind_net(module);
  visage::python::bind_files(module);
  visage::python::bind_verification(module);
}
