#include "moments_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "moments_blocks.hpp"

namespace covlasso {
namespace cpu {

namespace {

void require(bool ok, ErrorCode code, const std::string& message) {
  if (!ok) throw Error(code, message);
}

// update() with the scratch of the blocked loop supplied by the caller (or null).
void update_with(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, int threads,
                 const CancelFlag* cancel, Products products, detail::BlockWorkspace* ws) {
  acc.check_update(x, y);
  threads = resolve_threads(threads);
  throw_if_cancelled(cancel);
  if (x.rows == 0) return;
  // float32 products only where they are safe: values whose squares could underflow or whose
  // partial sums could overflow in float32 (issue #13) take float64 products instead.
  bool f32_safe = detail::check_finite(x, "x", acc.count(), threads);
  if (y != nullptr) f32_safe = detail::check_finite(*y, "y", acc.count(), threads) && f32_safe;

  if (acc.count() == 0) {  // the mean of the first rows seen becomes the shift
    std::vector<double> shift_x(acc.cols_x()), shift_y(y != nullptr ? acc.cols_y() : 0);
    detail::choose_shift(x, shift_x);
    if (y != nullptr) detail::choose_shift(*y, shift_y);
    acc.set_shifts(std::move(shift_x), std::move(shift_y));
  }

  const bool f32 = products == Products::Auto && f32_safe && x.dtype == DType::F32 &&
                   (y == nullptr || y->dtype == DType::F32);
  MomentAccumulator::Sums sums = acc.sums();
  detail::accumulate_rows(x, y, acc.symmetric(), f32, threads, cancel, sums.shift_x, sums.shift_y, sums.sum_x,
                          sums.sum_y, sums.moment, sums.count, ws);
}

}  // namespace

void update(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, int threads,
            const CancelFlag* cancel, Products products) {
  update_with(acc, x, y, threads, cancel, products, nullptr);
}


void update_in_slices(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, int threads,
                      const CancelFlag* cancel, Products products, const ProgressFn& progress) {
  detail::BlockWorkspace ws;  // the panels, allocated once for all slices
  for (int64_t begin = 0; begin == 0 || begin < x.rows; begin += kRowsPerSlice) {
    const int64_t end = std::min(x.rows, begin + kRowsPerSlice);
    throw_if_cancelled(cancel);
    const MatrixView xs = x.row_slice(begin, end);
    MatrixView ys;
    if (y != nullptr) ys = y->row_slice(begin, end);
    update_with(acc, xs, y != nullptr ? &ys : nullptr, threads, cancel, products, &ws);
    if (progress && x.rows > 0) progress(static_cast<double>(end) / static_cast<double>(x.rows));
    if (end >= x.rows) break;
  }
}

void covariance(const MatrixView& x, bool center, double ddof, int threads,
                const CancelFlag* cancel, double* out, Products products, const ProgressFn& progress) {
  // Fail fast on a bad ddof before doing the work (result() would reject it anyway).
  require(!center || !std::isfinite(ddof) || static_cast<double>(x.rows) - ddof > 0,
          ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  require(out != nullptr || x.cols == 0, ErrorCode::InvalidArgument, "no output buffer");
  MomentAccumulator acc(x.cols, x.cols, true, out);  // validates the sizes
  std::fill(out, out + x.cols * x.cols, 0.0);  // the output holds the moment while it is summed
  update_in_slices(acc, x, nullptr, threads, cancel, products, progress);
  acc.result(center, ddof, out);
}

void cross_moments(const MatrixView& x, const MatrixView& y, bool center, double ddof,
                   int threads, const CancelFlag* cancel, double* out, Products products,
                   const ProgressFn& progress) {
  require(!center || !std::isfinite(ddof) || static_cast<double>(x.rows) - ddof > 0,
          ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  require(out != nullptr || x.cols * y.cols == 0, ErrorCode::InvalidArgument, "no output buffer");
  MomentAccumulator acc(x.cols, y.cols, false, out);
  std::fill(out, out + x.cols * y.cols, 0.0);
  update_in_slices(acc, x, &y, threads, cancel, products, progress);
  acc.result(center, ddof, out);
}

}  // namespace cpu
}  // namespace covlasso
