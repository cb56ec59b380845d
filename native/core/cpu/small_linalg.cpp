#include "small_linalg.hpp"

#include <algorithm>
#include <cmath>

#include "vector_ops.hpp"

namespace covlasso {

// Right-looking Cholesky in the A = UᵀU form on the upper triangle, so every update is an axpy
// over a contiguous row (vectorised by vector_ops) rather than a scalar dot-product reduction.
bool cholesky_factor(double* a, size_t n, double relative_pivot_tolerance) {
  double scale = 0;
  for (size_t i = 0; i < n; ++i) scale = std::max(scale, a[i * n + i]);
  if (!(scale > 0) || !std::isfinite(scale)) return false;
  const double smallest = relative_pivot_tolerance * scale;
  for (size_t j = 0; j < n; ++j) {
    double* row_j = a + j * n;
    if (!(row_j[j] > smallest)) return false;
    const double pivot = std::sqrt(row_j[j]);
    row_j[j] = pivot;
    for (size_t k = j + 1; k < n; ++k) row_j[k] /= pivot;  // row j of U
    for (size_t i = j + 1; i < n; ++i) {                    // A_ii.. -= U_ji · U_j,i..
      axpy(n - i, -row_j[i], row_j + i, a + i * n + i);
    }
  }
  return true;
}

void cholesky_solve_factored(const double* a, size_t n, const double* b, double* x) {
  for (size_t i = 0; i < n; ++i) {  // Uᵀ y = b  (U_ki for k < i is column i above the diagonal)
    double v = b[i];
    for (size_t k = 0; k < i; ++k) v -= a[k * n + i] * x[k];
    x[i] = v / a[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {  // U x = y
    const double* row_i = a + i * n;
    double v = x[i];
    for (size_t k = i + 1; k < n; ++k) v -= row_i[k] * x[k];
    x[i] = v / row_i[i];
  }
}

bool cholesky_solve(double* a, size_t n, const double* b, double* x, double relative_pivot_tolerance) {
  if (!cholesky_factor(a, n, relative_pivot_tolerance)) return false;
  cholesky_solve_factored(a, n, b, x);
  return true;
}

}  // namespace covlasso
