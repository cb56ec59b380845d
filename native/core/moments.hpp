// Covariances and cross moments of row-major data, accumulated in float64 (DESIGN.md §2): the
// accumulator's state and the arithmetic on it (merge, result, from_state), shared by every
// backend. Adding rows is a backend's job (backend.hpp's MomentsBackend; the CPU's kernels are in
// cpu/moments_cpu.hpp); the notes on products and blocking below describe the CPU's.
//
// The accumulator keeps *shifted* sums: every row is taken relative to a shift (kx, ky) fixed by
// the first update: the mean of its first min(rows, 512) rows, rounded to that input's dtype.
// Logits often sit far from zero (an offset of 1e6 with a spread of 1), and the textbook
// E[xyᵀ] − μxμyᵀ would then cancel away every significant digit; relative to a point near the
// mean the products stay small and the centered result stays accurate.
//
// Products (issue #3):
//  - float64 products (any float64 input, or Products::Float64): every product and every sum in
//    float64; relative error ~1e-15 of max|S| in practice.
//  - float32 products (Products::Auto, every input of the update is float32, and every value
//    is 0 or 2⁻³⁶ ≤ |x| < 2⁵⁸ so no square underflows and no partial sum overflows; otherwise
//    the update takes float64 products, issue #13): x − k is formed
//    in float64 and rounded to float32, products of kKc = 64 consecutive rows are summed in
//    float32 registers, the partial sums of 4 such chunks (256 rows) are added in float32, and
//    that sum is added into the float64 moment. Worst-case bound per element ≈ (kKc + 5)·2⁻²⁴ ≈
//    4.1e-6 of Σ|x̃ỹ| (x̃ = x − k); measured ≤ 1e-7 of max|S| on real and normal logits, 6e-7
//    with a 100σ outlier row (test/native/moments_test, bench/RESULTS.md). About twice as fast
//    as float64 products. The AMX path (gram_kernel_amx.hpp, COVLASSO_SIMD=amx) forms the same
//    products from bf16 parts, with errors of the same order.
//
// Work is split into blocks of rows. Each block is packed once into contiguous strips (shared by
// all threads), then the OUTPUT is cut into 128×128 tiles handed out as tasks; a task sums its
// tile's products over the block from zero in its own buffer and adds that to the moment. Every
// output element is summed in the same order whatever the thread count, so results are bitwise
// identical for any `threads` (for a given kernel path, see gram_kernel.hpp). Rows are never
// split between threads.
//
// Memory of one update, beyond the accumulator's own p·q + 2(p + q) doubles (the result buffer
// of covariance() is the caller's; the accumulator's moment is a second p·q doubles there):
// packing panels of 8192·P bytes for X (P = p rounded up to a multiple of 16; 1024 rows × 8-double
// strips; half that for float32 products, 1024 rows × 16-float strips; 12288·P on the AMX path,
// 12 bytes per element), plus
// the same for Y with q (cross moments only), plus one 128×128 float64 output tile (128 KiB) per
// thread, O(p/128 · q/128) tile bookkeeping and O(rows·... / 2¹⁶) finiteness flags. Never a copy
// of X: for C = 20000, 3.2 GB of moment + 82 MB of panels (164 MB for float64 products).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "execution.hpp"
#include "matrix.hpp"

namespace covlasso {

// Which products update() may use (see the header comment). Auto: float32 products when every
// input of the update is float32, float64 otherwise. Float64: always float64.
enum class Products { Auto, Float64 };

class MomentAccumulator {
 public:
  // Accumulates over rows r of X (N×cols_x) and Y (N×cols_y):
  //   M = Σ_r (x_r − kx)(y_r − ky)ᵀ,  sx = Σ_r (x_r − kx),  sy = Σ_r (y_r − ky),  n.
  // symmetric means Y is X: only the upper triangle of M is computed; requires cols_x == cols_y.
  // Throws Error(InvalidArgument) for negative sizes or a symmetric request with cols_x != cols_y.
  MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric);

  // Accumulates into the caller's zeroed cols_x × cols_y buffer instead of an own moment matrix
  // (covariance and cross-moment jobs sum straight into their output, then finalise it in
  // place with result()). The buffer must outlive the accumulator.
  MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric, double* external_moment);

  // For backends adding rows. check_update validates an update's shapes: ShapeMismatch for wrong
  // column or row counts, InvalidArgument for a misplaced/missing y (y must be null when
  // symmetric). Backends then add rows to sums(): M += Σ (x − kx)(y − ky)ᵀ (upper triangle only
  // when symmetric), sum_x, sum_y and count, choosing the shifts (set_shifts) on the first rows.
  void check_update(const MatrixView& x, const MatrixView* y) const;
  struct Sums {
    const std::vector<double>& shift_x;
    const std::vector<double>& shift_y;
    std::vector<double>& sum_x;
    std::vector<double>& sum_y;
    double* moment;  // cols_x × cols_y, row-major
    int64_t& count;
  };
  Sums sums() { return Sums{shift_x_, shift_y_, sum_x_, sum_y_, moment_data(), n_}; }
  // Sets the shifts; only while count() == 0 (InvalidArgument otherwise). When symmetric,
  // shift_y is ignored and set to shift_x.
  void set_shifts(std::vector<double> shift_x, std::vector<double> shift_y);

  // Combines another accumulator's rows into this one exactly (re-expressing its sums on this
  // accumulator's shifts). Shapes and symmetry must match (ShapeMismatch / InvalidArgument).
  void merge(const MomentAccumulator& other);

  int64_t count() const { return n_; }
  int64_t cols_x() const { return cols_x_; }
  int64_t cols_y() const { return cols_y_; }
  bool symmetric() const { return symmetric_; }

  // out: cols_x × cols_y row-major float64; the full matrix (exactly symmetric) when symmetric.
  // out may not alias anything else the accumulator owns.
  // center=false: second moment Σ x yᵀ / n. center=true: Σ (x−μx)(y−μy)ᵀ / (n − ddof).
  // Throws Error(InvalidArgument) when n == 0, when ddof is not finite, or (centered) when
  // n − ddof <= 0. ddof is ignored when center is false.
  void result(bool center, double ddof, double* out) const;

  // Raw state, for saving/loading shards. While count() == 0 the shifts are unset (zeros); after
  // that they are whatever the first update chose (any finite shift is valid for from_state).
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
  double* moment_data() { return ext_ != nullptr ? ext_ : moment_.data(); }
  const double* moment_data() const { return ext_ != nullptr ? ext_ : moment_.data(); }

  double* ext_ = nullptr;
  int64_t cols_x_;
  int64_t cols_y_;
  bool symmetric_;
  int64_t n_ = 0;
  std::vector<double> shift_x_, shift_y_, sum_x_, sum_y_, moment_;
};

}  // namespace covlasso
