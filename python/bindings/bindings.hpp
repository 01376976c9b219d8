// The parts of the extension module `visage._visage`, one function per source file, each adding
// its classes and functions to the module (module.cpp calls them in order).
#pragma once

#include <pybind11/pybind11.h>

namespace visage::python {

void bind_net(pybind11::module_& module);           // net_binding.cpp
void bind_files(pybind11::module_& module);         // files_binding.cpp
void bind_verification(pybind11::module_& module);  // verification_binding.cpp

}  // namespace visage::python
