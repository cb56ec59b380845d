// Dense linear algebra for the solver's small systems (the Anderson weights): sizes up to a
// few dozen, so plain loops are the right tool.
#pragma once

#include <cstddef>

namespace covlasso {

// Cholesky factorisation A = UᵀU of a symmetric positive definite n×n row-major A, in place on
// A's upper triangle; the strict lower triangle is left untouched (it still holds A). Returns
// false when a pivot is ≤ relative_pivot_tolerance · max diagonal (A numerically singular).
// (Supports that change one coordinate at a time use UpdatableCholesky instead.)
bool cholesky_factor(double* a, size_t n, double relative_pivot_tolerance);

// Solves A x = b with a factor from cholesky_factor.
void cholesky_solve_factored(const double* a, size_t n, const double* b, double* x);

// cholesky_factor then cholesky_solve_factored; false when the factorisation fails.
bool cholesky_solve(double* a, size_t n, const double* b, double* x, double relative_pivot_tolerance);

}  // namespace covlasso
