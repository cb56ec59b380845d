// Dense linear algebra for the solver's small systems (Anderson weights, Newton steps on a
// support): sizes up to a few hundred, so plain loops are the right tool.
#pragma once

#include <cstddef>

namespace covlasso {

// Solves A x = b for a symmetric positive definite n×n row-major A by Cholesky, overwriting
// A's upper triangle with the factor U (A = UᵀU). Returns false (x unspecified) when a pivot falls to
// ≤ relative_pivot_tolerance · max diagonal, i.e. A is numerically singular.
bool cholesky_solve(double* a, size_t n, const double* b, double* x, double relative_pivot_tolerance);

}  // namespace covlasso
