// Internal to native/core (moments.cpp is its only user): the passes over the rows of one
// MomentAccumulator::update(), defined in moments_blocks.cpp. moments.hpp explains the shifted
// sums, the two kinds of products and the blocking; the accumulator's state logic (validation,
// merge, result, from_state) stays in moments.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "matrix.hpp"
#include "thread_pool.hpp"

namespace covlasso {
namespace detail {

// Throws Error(NotFinite) naming the first NaN/Inf of m in row-major order (rows numbered from
// row_base). Runs before anything is accumulated.
void check_finite(const MatrixView& m, const char* name, int64_t row_base, int threads);

// Sets shift (m.cols values) from the first rows of m; m must have at least one row.
void choose_shift(const MatrixView& m, std::vector<double>& shift);

// Adds the rows of x (and of y unless symmetric) to n, the shifted sums and moment (p×q,
// row-major; only the upper triangle when symmetric), block by block, with float32 products
// when f32_products, else float64. Checks cancel before each block; n counts the rows done.
void accumulate_rows(const MatrixView& x, const MatrixView* y, bool symmetric, bool f32_products,
                     int threads, const CancelFlag* cancel, const std::vector<double>& shift_x,
                     const std::vector<double>& shift_y, std::vector<double>& sum_x,
                     std::vector<double>& sum_y, double* moment, int64_t& n);

}  // namespace detail
}  // namespace covlasso
