// Small dense vector kernels of the solver's inner loops, compiled for several x86-64 levels
// (AVX-512, AVX2+FMA, baseline) and picked at load time by the dynamic linker (GCC/Clang
// target_clones); a plain loop elsewhere. No -march flags are needed.
#pragma once

#include <cstddef>

namespace covlasso {

// y += a · x (length n).
void axpy(size_t n, double a, const double* x, double* y);

// y += a[0]·x[0], then += a[1]·x[1], … for four rows at once (length n): bitwise what four
// axpy calls in that order give (each element takes the same four fused multiply-adds), but y
// is loaded and stored once instead of four times.
void axpy4(size_t n, const double* a, const double* const* x, double* y);

// The same over float32 rows: each x widened exactly, then the same float64 operations, so the
// results are bitwise those of the float64 versions on the widened rows.
void axpy(size_t n, double a, const float* x, double* y);
void axpy4(size_t n, const double* a, const float* const* x, double* y);

// Σ_i a[i]·x[i] (x widened exactly when float32), in eight interleaved partial sums added in a
// fixed order at the end: the same value for the same inputs on any machine level that has the
// same clone (the result does not depend on threads).
double dot(size_t n, const double* a, const double* x);
double dot(size_t n, const double* a, const float* x);

}  // namespace covlasso
