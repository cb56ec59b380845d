// The CPU's MomentsBackend (backend.hpp): adding rows to a MomentAccumulator with the blocked
// SIMD kernels (moments_blocks.hpp, gram_kernel.hpp), and covariances / cross moments summed
// straight into the caller's output. moments.hpp explains the shifted sums, the two kinds of
// products and the blocking.
#pragma once

#include <cstdint>

#include "execution.hpp"
#include "matrix.hpp"
#include "moments.hpp"

namespace covlasso {
namespace cpu {

// Adds the rows of x (and y, which must be null when symmetric, else have x.rows rows and
// acc.cols_y() columns). float32 and float64 inputs may be mixed. `threads` <= 0 means all
// hardware threads. Errors:
//  - ShapeMismatch / InvalidArgument from acc.check_update;
//  - NotFinite on NaN/Inf, naming the 0-based row (counted across all updates) and column;
//    the whole input is checked first, so on these errors the accumulator is unchanged;
//  - Aborted (via throw_if_cancelled, checked before each block of rows). The accumulator
//    then holds a consistent state that includes the blocks already done: count() says how
//    many rows that is. Discard it, or resume from row count() − (count before the call).
void update(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, int threads,
            const CancelFlag* cancel, Products products = Products::Auto);

// Adds the rows of x (and y) to acc in slices of kRowsPerSlice rows, calling progress with the
// fraction of rows done after each slice. The slice is a multiple of every blocking length, so
// the result is bitwise the same as one update().
constexpr int64_t kRowsPerSlice = 4096;
void update_in_slices(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, int threads,
                      const CancelFlag* cancel, Products products, const ProgressFn& progress);

// Covariance of x (N×p) into out (p×p, row-major): XᵀX/N, or centered with divisor N − ddof.
// Memory: out plus the packing panels (no second p×p matrix, no copy of x).
void covariance(const MatrixView& x, bool center, double ddof, int threads,
                const CancelFlag* cancel, double* out, Products products = Products::Auto,
                const ProgressFn& progress = {});

// Cross moments of x (N×p) and y (N×q) over the same rows into out (p×q): XᵀY/N, or centered.
void cross_moments(const MatrixView& x, const MatrixView& y, bool center, double ddof,
                   int threads, const CancelFlag* cancel, double* out,
                   Products products = Products::Auto, const ProgressFn& progress = {});

}  // namespace cpu
}  // namespace covlasso
