#include "moments_plan.hpp"

#include <algorithm>
#include <vector>

#include "cpu/moments_blocks.hpp"
#include "moments_steps.cuh"
#include "thread_pool.hpp"

namespace covlasso {
namespace cuda {

MomentsPlan plan_moments(int64_t rows, int64_t p, int64_t q, bool symmetric, int64_t row_bytes, int sms) {
  MomentsPlan plan{};
  const int64_t by_bytes = std::max<int64_t>(kTileRows, kStagingBytes / std::max<int64_t>(row_bytes, 1));
  plan.chunk_rows = std::max<int64_t>(1, std::min({rows, kMaxChunkRows, by_bytes}));
  const int64_t tp = (p + kTile - 1) / kTile, tq = (q + kTile - 1) / kTile;
  plan.tiles_q = tq;
  plan.tiles = symmetric ? tp * (tp + 1) / 2 : tp * tq;
  // Four blocks per multiprocessor at least, without slices shorter than 256 rows.
  const int64_t wanted = (4 * static_cast<int64_t>(std::max(sms, 1)) + plan.tiles - 1) / plan.tiles;
  plan.slices = std::max<int64_t>(1, std::min<int64_t>({wanted, 16, (plan.chunk_rows + 255) / 256}));
  const int64_t per = (plan.chunk_rows + plan.slices - 1) / plan.slices;
  plan.slice_rows = (per + kTileRows - 1) / kTileRows * kTileRows;
  return plan;
}

void choose_shifts(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y) {
  if (acc.count() != 0 || x.rows == 0) return;
  std::vector<double> shift_x(acc.cols_x()), shift_y(y != nullptr ? acc.cols_y() : 0);
  detail::choose_shift(x, shift_x);
  if (y != nullptr) detail::choose_shift(*y, shift_y);
  acc.set_shifts(std::move(shift_x), std::move(shift_y));
}

void commit_moments(MomentAccumulator& acc, const double* moment, const double* sum_x, const double* sum_y, int64_t rows,
                    int threads) {
  MomentAccumulator::Sums sums = acc.sums();
  const int64_t p = acc.cols_x(), q = acc.cols_y();
  const bool symmetric = acc.symmetric();
  parallel_for(p, threads, [&](int64_t i, int) {
    for (int64_t j = symmetric ? i : 0; j < q; ++j) sums.moment[i * q + j] += moment[i * q + j];
  });
  for (int64_t i = 0; i < p; ++i) sums.sum_x[i] += sum_x[i];
  if (symmetric) {
    std::copy(sums.sum_x.begin(), sums.sum_x.end(), sums.sum_y.begin());
  } else {
    for (int64_t j = 0; j < q; ++j) sums.sum_y[j] += sum_y[j];
  }
  sums.count += rows;
}

}  // namespace cuda
}  // namespace covlasso
