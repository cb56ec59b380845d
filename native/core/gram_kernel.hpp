// The inner loop of the moment accumulation: packing rows into 8-column strips, and the
// SIMD kernel that multiplies two strips.
//
// Internal to native/core (moments.cpp is its only user). The driver packs a block of k rows
// of X (and Y) into "strips": strip s holds columns [8s, 8s+8) of the block, row after row,
// i.e. strip[r*8 + c] = x[r][8s + c] (shifted, as double, zero-padded past the last column).
// One layout serves both sides of the product: the kernel streams 8 contiguous doubles of
// the right strip per row and broadcasts single doubles of the left one.
//
// Run-time SIMD dispatch: the AVX2+FMA and AVX-512 kernels are compiled with per-function
// target attributes (no -march flags needed) and chosen with __builtin_cpu_supports. Both
// use fused multiply-adds in the same order, so they give bitwise the same results; the
// portable kernel (separate multiply and add) may differ from them in the last bits.
#pragma once

#include <cstdint>

#include "matrix.hpp"

namespace covlasso {
namespace detail {

constexpr int64_t kStripWidth = 8;

inline int64_t strips_for(int64_t cols) { return (cols + kStripWidth - 1) / kStripWidth; }

// Packs rows [r0, r0 + k) of m, minus shift (one value per column), into panel as
// strips_for(m.cols) strips of k rows each (strip s at panel + s·k·8), and adds each column's
// sum of packed values to sums. Strips are split between up to `threads` threads; the
// result does not depend on the thread count. m must be finite (checked by the caller).
void pack_block(const MatrixView& m, int64_t r0, int64_t k, const double* shift, double* panel,
                double* sums, int threads);

enum class KernelPath { Portable, Avx2Fma, Avx512 };

// c[i*ldc + j] += Σ_{r<k} a[r*8 + i] · b[r*8 + j] for i, j < 8: the sum over r is formed in
// increasing r starting from zero, then added to c. a and b point at strips as described above;
// c is the 8×8 corner of a row-major matrix with leading dimension ldc.
using StripKernel = void (*)(const double* a, const double* b, int64_t k, double* c, int64_t ldc);

// The best path this CPU supports, unless the environment variable COVLASSO_SIMD asks for a
// lower one ("portable", "avx2"; "avx512" or "auto" = best). Read on every call so tests can
// switch paths within one process.
KernelPath select_kernel_path();

StripKernel strip_kernel(KernelPath path);

const char* kernel_path_name(KernelPath path);

}  // namespace detail
}  // namespace covlasso
