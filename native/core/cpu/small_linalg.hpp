// Dense linear algebra for the solver's small systems (Anderson weights, Newton steps on a
// support): sizes up to a few hundred, so plain loops are the right tool.
#pragma once

#include <cstddef>

namespace covlasso {

// Cholesky factorisation A = UᵀU of a symmetric positive (semi)definite n×n row-major A, in
// place on A's upper triangle; the strict lower triangle is left untouched (it still holds A).
// A pivot ≤ relative_pivot_tolerance · max diagonal means A is numerically singular: without
// `dropped`, returns false; with `dropped` (n flags), that column is left out instead
// (dropped[j] = 1: it lies in the span of the kept columns before it) and the factorisation
// goes on with the others.
bool cholesky_factor(double* a, size_t n, double relative_pivot_tolerance, unsigned char* dropped = nullptr);

// Solves A x = b on the kept columns with a factor from cholesky_factor (x_j = 0 where dropped).
void cholesky_solve_factored(const double* a, size_t n, const double* b, double* x,
                             const unsigned char* dropped = nullptr);

// cholesky_factor then cholesky_solve_factored; false when the factorisation fails.
bool cholesky_solve(double* a, size_t n, const double* b, double* x, double relative_pivot_tolerance,
                    unsigned char* dropped = nullptr);

}  // namespace covlasso
