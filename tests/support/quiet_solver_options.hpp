// SolverOptions for tests: the given solver file, and no progress on the screen.
#pragma once

#include <string>

#include "solvers/solver.hpp"

namespace visage::testing {

inline SolverOptions quiet_solver_options(const std::string& solver_path) {
  SolverOptions options;
  options.solver_path = solver_path;
  options.out = nullptr;
  return options;
}

}  // namespace visage::testing
