// Eigen-decomposition of a symmetric matrix, for the learned metric's PCA and LDA. LAPACK's dsyev
// (shipped inside OpenBLAS, which core already links) does the work, in double precision.
#pragma once

#include <cstddef>
#include <vector>

namespace visage::eval {

struct SymmetricEigen {
  std::vector<double> values;   // n eigenvalues, largest first
  std::vector<double> vectors;  // n x n row-major; column j is the eigenvector of values[j]
};

// `matrix` is n x n row-major and symmetric (only its upper triangle is read). Each eigenvector's
// sign is fixed so that its largest-magnitude component (the first of equals) is positive, which
// makes the result deterministic. Throws when LAPACK does not converge.
SymmetricEigen symmetric_eigen(std::vector<double> matrix, size_t n);

}  // namespace visage::eval
