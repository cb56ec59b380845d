// Covariances and cross moments of row-major data, accumulated in float64 (DESIGN.md §2).
//
// The accumulator keeps *shifted* sums: every row is taken relative to the first row seen
// (kx, ky). Logits often sit far from zero (an offset of 1e6 with a spread of 1), and the
// textbook E[xyᵀ] − μxμyᵀ would then cancel away every significant digit; relative to a row
// of the data the products stay small and the centered result stays accurate.
//
// Work is split into blocks of rows. Each block is packed once into contiguous double strips
// (shared by all threads), then the OUTPUT is cut into tiles handed out as tasks. Every output
// element is summed in the same order whatever the thread count, so results are bitwise
// identical for any `threads` (for a given SIMD path, see gram_kernel.hpp). Rows are never
// split between threads. Memory: the p×q moment plus O(block_rows × (p + q)) of panels.
#pragma once

#include <cstdint>
#include <vector>

#include "matrix.hpp"
#include "thread_pool.hpp"

namespace covlasso {

class MomentAccumulator {
 public:
  // Accumulates over rows r of X (N×cols_x) and Y (N×cols_y):
  //   M = Σ_r (x_r − kx)(y_r − ky)ᵀ,  sx = Σ_r (x_r − kx),  sy = Σ_r (y_r − ky),  n.
  // symmetric means Y is X: only the upper triangle of M is computed; requires cols_x == cols_y.
  // Throws Error(InvalidArgument) for negative sizes or a symmetric request with cols_x != cols_y.
  MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric);

  // Adds the rows of x (and y, which must be null when symmetric, else have x.rows rows and
  // cols_y columns). float32 and float64 inputs may be mixed. `threads` <= 0 means all
  // hardware threads. Errors:
  //  - ShapeMismatch for wrong column or row counts, InvalidArgument for a misplaced/missing y;
  //  - NotFinite on NaN/Inf, naming the 0-based row (counted across all updates) and column;
  //    the whole input is checked first, so on these errors the accumulator is unchanged;
  //  - Aborted (via throw_if_cancelled, checked before each block of rows). The accumulator
  //    then holds a consistent state that includes the blocks already done: count() says how
  //    many rows that is. Discard it, or resume from row count() − (count before the call).
  void update(const MatrixView& x, const MatrixView* y, int threads, const CancelFlag* cancel);

  // Combines another accumulator's rows into this one exactly (re-expressing its sums on this
  // accumulator's shifts). Shapes and symmetry must match (ShapeMismatch / InvalidArgument).
  void merge(const MomentAccumulator& other);

  int64_t count() const { return n_; }
  int64_t cols_x() const { return cols_x_; }
  int64_t cols_y() const { return cols_y_; }
  bool symmetric() const { return symmetric_; }

  // out: cols_x × cols_y row-major float64; the full matrix (exactly symmetric) when symmetric.
  // center=false: second moment Σ x yᵀ / n. center=true: Σ (x−μx)(y−μy)ᵀ / (n − ddof).
  // Throws Error(InvalidArgument) when n == 0, when ddof is not finite, or (centered) when
  // n − ddof <= 0. ddof is ignored when center is false.
  void result(bool center, double ddof, double* out) const;

  // Raw state, for saving/loading shards. While count() == 0 the shifts are unset (zeros).
  // In the symmetric case shift_y/sum_y equal shift_x/sum_x and only the upper triangle
  // (j >= i) of moment() is authoritative; the rest is unspecified.
  const std::vector<double>& shift_x() const { return shift_x_; }
  const std::vector<double>& shift_y() const { return shift_y_; }
  const std::vector<double>& sum_x() const { return sum_x_; }
  const std::vector<double>& sum_y() const { return sum_y_; }
  const std::vector<double>& moment() const { return moment_; }  // cols_x × cols_y, row-major

  // Rebuilds an accumulator from raw state. Validates sizes (cols_x / cols_y / cols_x·cols_y
  // elements), count >= 0, finite values, and, when symmetric, shift_y == shift_x and
  // sum_y == sum_x; throws Error(InvalidArgument), Error(ShapeMismatch) or Error(NotFinite)
  // otherwise. With count == 0 the vectors are ignored and the accumulator starts empty.
  static MomentAccumulator from_state(int64_t cols_x, int64_t cols_y, bool symmetric,
                                      int64_t count, std::vector<double> shift_x,
                                      std::vector<double> shift_y, std::vector<double> sum_x,
                                      std::vector<double> sum_y, std::vector<double> moment);

 private:
  int64_t cols_x_;
  int64_t cols_y_;
  bool symmetric_;
  int64_t n_ = 0;
  std::vector<double> shift_x_, shift_y_, sum_x_, sum_y_, moment_;
};

// Covariance of x (N×p) into out (p×p, row-major): XᵀX/N, or centered with divisor N − ddof.
void covariance(const MatrixView& x, bool center, double ddof, int threads,
                const CancelFlag* cancel, double* out);

// Cross moments of x (N×p) and y (N×q) over the same rows into out (p×q): XᵀY/N, or centered.
void cross_moments(const MatrixView& x, const MatrixView& y, bool center, double ddof,
                   int threads, const CancelFlag* cancel, double* out);

}  // namespace covlasso
