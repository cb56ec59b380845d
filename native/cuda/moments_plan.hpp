// Host-side parts of the CUDA covariance (moments_kernels.cu), kept apart so that the
// emulation in test/native/cuda/ runs them too: how a job is cut into chunks of rows and row
// slices, the shifts of a fresh accumulator (the CPU's rule, so merged states agree), and the
// commit of a device result into the host MomentAccumulator.
#pragma once

#include <cstdint>

#include "matrix.hpp"
#include "moments.hpp"

namespace covlasso {
namespace cuda {

struct MomentsPlan {
  int64_t chunk_rows;  // rows per host→device chunk (≤ kMaxChunkRows, the error bound's R)
  int64_t slices;      // row slices per chunk, each a separate partial sum (enough blocks for the device)
  int64_t slice_rows;  // rows per slice (a multiple of the tile's row step)
  int64_t tiles;       // 64×64 output tiles (the upper triangle when symmetric)
  int64_t tiles_q;     // tile columns
};

constexpr int64_t kMaxChunkRows = 16384;
constexpr int64_t kStagingBytes = int64_t(64) << 20;  // per staging buffer

// rows: rows of the job; row_bytes: bytes of one row of x (and y); sms: the device's multiprocessors.
MomentsPlan plan_moments(int64_t rows, int64_t p, int64_t q, bool symmetric, int64_t row_bytes, int sms);

// Sets the accumulator's shifts from the first rows of x (and y) when it is empty.
void choose_shifts(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y);

// Adds a device result (the shifted moment of `rows` new rows, upper triangle when symmetric,
// and the shifted column sums) into acc.
void commit_moments(MomentAccumulator& acc, const double* moment, const double* sum_x, const double* sum_y, int64_t rows,
                    int threads);

}  // namespace cuda
}  // namespace covlasso
