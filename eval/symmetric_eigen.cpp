#include "eval/symmetric_eigen.hpp"

#include <cmath>

#include "core/error.hpp"

// LAPACK's Fortran entry point (OpenBLAS has no LAPACKE header installed here). The trailing
// lengths are the hidden CHARACTER arguments of gfortran's calling convention.
extern "C" void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                       double* w, double* work, const int* lwork, int* info, size_t jobz_length,
                       size_t uplo_length);

namespace visage::eval {
namespace {

// LAPACK works column-major: eigenvectors come back as the columns of `a`, which row-major reads
// as rows.
void call_dsyev(std::vector<double>& a, std::vector<double>& w, int n) {
  const char jobz = 'V';
  // Row-major upper triangle = column-major lower triangle.
  const char uplo = 'L';
  int info = 0;
  int lwork = -1;
  double query = 0.0;
  dsyev_(&jobz, &uplo, &n, a.data(), &n, w.data(), &query, &lwork, &info, 1, 1);
  VISAGE_CHECK(info == 0, "LAPACK dsyev workspace query failed (info ", info, ")");
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<size_t>(lwork));
  dsyev_(&jobz, &uplo, &n, a.data(), &n, w.data(), work.data(), &lwork, &info, 1, 1);
  VISAGE_CHECK(info == 0, "the eigen-decomposition of a ", n, " x ", n,
               " symmetric matrix did not converge (LAPACK dsyev info ", info, ")");
}

}  // namespace

SymmetricEigen symmetric_eigen(std::vector<double> matrix, size_t n) {
  VISAGE_CHECK(matrix.size() == n * n, "symmetric_eigen: ", matrix.size(), " values for a ", n,
               " x ", n, " matrix");
  SymmetricEigen result;
  if (n == 0) return result;
  std::vector<double> ascending(n);
  call_dsyev(matrix, ascending, static_cast<int>(n));
  // dsyev sorts ascending; row k of `matrix` (column-major column k) is eigenvector k.
  result.values.resize(n);
  result.vectors.resize(n * n);
  for (size_t j = 0; j < n; ++j) {
    const size_t from = n - 1 - j;
    result.values[j] = ascending[from];
    const double* v = matrix.data() + from * n;
    size_t largest = 0;
    for (size_t i = 1; i < n; ++i) {
      if (std::abs(v[i]) > std::abs(v[largest])) largest = i;
    }
    const double sign = v[largest] < 0 ? -1.0 : 1.0;
    for (size_t i = 0; i < n; ++i) result.vectors[i * n + j] = sign * v[i];
  }
  return result;
}

}  // namespace visage::eval
