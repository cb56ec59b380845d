// Internal to native/core (moments.cpp is its only user): the passes over the rows of one
// MomentAccumulator::update(), defined in moments_blocks.cpp. moments.hpp explains the shifted
// sums, the two kinds of products and the blocking; the accumulator's state logic (validation,
// merge, result, from_state) stays in moments.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gram_kernel.hpp"
#include "matrix.hpp"
#include "thread_pool.hpp"

namespace covlasso {
namespace detail {

// 64-byte aligned scratch for the packed panels (one strip row = one cache line). It only grows
// and is not zeroed: every element a kernel reads is written by the packing first.
template <typename T>
class AlignedPanel {
 public:
  void reserve(int64_t n) {
    if (n <= size_) return;
    buf_.reset(new T[n + 64 / sizeof(T)]);
    auto p = reinterpret_cast<std::uintptr_t>(buf_.get());
    data_ = buf_.get() + ((64 - p % 64) % 64) / sizeof(T);
    size_ = n;
  }
  T* data() { return data_; }

 private:
  std::unique_ptr<T[]> buf_;
  T* data_ = nullptr;
  int64_t size_ = 0;
};

// What one accumulate_rows call allocates, kept by callers that make many (update_in_slices)
// so the panels are allocated and faulted in once per job, not once per slice.
struct BlockWorkspace {
  AlignedPanel<float> f32[2];  // x, y
  AlignedPanel<double> f64[2];
  AlignedPanel<uint16_t> bf16[2];
  PackWorkspace pack;
  std::vector<AlignedPanel<double>> tiles;  // one output tile per thread slot
  template <typename T>
  AlignedPanel<T>& panel(int side);
};
template <>
inline AlignedPanel<float>& BlockWorkspace::panel<float>(int side) { return f32[side]; }
template <>
inline AlignedPanel<double>& BlockWorkspace::panel<double>(int side) { return f64[side]; }
template <>
inline AlignedPanel<uint16_t>& BlockWorkspace::panel<uint16_t>(int side) { return bf16[side]; }

// Throws Error(NotFinite) naming the first NaN/Inf of m in row-major order (rows numbered from
// row_base). Runs before anything is accumulated. Returns whether float32 products are safe for
// m: every value is 0 or 2⁻³⁶ ≤ |x| < 2⁵⁸ (always true for float64 input, which never uses them);
// outside that range a square may underflow or a float32 partial sum overflow.
bool check_finite(const MatrixView& m, const char* name, int64_t row_base, int threads);

// Sets shift (m.cols values) from the first rows of m; m must have at least one row.
void choose_shift(const MatrixView& m, std::vector<double>& shift);

// Adds the rows of x (and of y unless symmetric) to n, the shifted sums and moment (p×q,
// row-major; only the upper triangle when symmetric), block by block, with float32 products
// when f32_products, else float64. Checks cancel before each block; n counts the rows done.
// ws: scratch to reuse between calls, or null.
void accumulate_rows(const MatrixView& x, const MatrixView* y, bool symmetric, bool f32_products,
                     int threads, const CancelFlag* cancel, const std::vector<double>& shift_x,
                     const std::vector<double>& shift_y, std::vector<double>& sum_x,
                     std::vector<double>& sum_y, double* moment, int64_t& n,
                     BlockWorkspace* ws = nullptr);

}  // namespace detail
}  // namespace covlasso
