// The arithmetic of the CUDA covariance (moments_kernels.cu), as block-cooperative functions
// that test/native/cuda/ also runs on the host with threads for the block's threads.
//
// Shifted products in float64 whatever the input dtype: each input value becomes
// (double)x − shift (exact for float32 input and a float32 shift within a factor 2 of x, see
// moments.hpp), products and sums are float64 FMAs. A tile of 64×64 outputs is computed by 256
// threads (4×4 each, strided by 16 so a warp's shared-memory reads are conflict-free) over 16-row
// steps staged in shared memory; each output sums its rows sequentially, in row order, then the
// partial sums of the row slices are added in slice order: no atomics, the same bits every run.
//
// Error bound (per element, relative to Σ_r |x̃_ri ỹ_rj| of the rows accumulated, x̃ = x − shift):
// a chunk of R rows cut into S slices sums R/S terms in sequence, then S partials, then adds to
// the running moment once per chunk: |error| ≤ (R/S + S + chunks + 2)·2⁻⁵³·Σ|x̃ỹ| (first order).
// With R ≤ 16384 rows per chunk this is ≤ 2e-12 for N up to ~10⁸ rows, and, since
// Σ_r|x̃_ri ỹ_rj| ≤ N·sqrt(M_ii M_jj)/N by Cauchy–Schwarz, ≤ 2e-12·max_i M_ii/N of the scaled moment.
#pragma once

#include <cmath>
#include <cstdint>

#include "lanes.cuh"

namespace covlasso {
namespace cuda {

constexpr int kTile = 64;         // outputs per tile side
constexpr int kTileRows = 16;     // rows per shared-memory step
constexpr int kTileThreads = 256; // 16 × 16 threads, 4 × 4 outputs each
constexpr int kTileSharedDoubles = 2 * kTileRows * kTile;

template <typename T>
COVLASSO_HD inline double shifted(const T* data, int64_t r, int64_t cols, int64_t c, const double* shift) {
  return static_cast<double>(data[r * cols + c]) - shift[c];
}

// out[i0.., j0..] (= or +=) Σ_{r ∈ [r0, r1)} x̃_ri ỹ_rj over a 64×64 tile. x is rows×p, y rows×q
// (row-major, the chunk on the device); out has row stride q. `add`: accumulate into out,
// else overwrite it (a slice's partial sums).
template <class Threads, typename TX, typename TY>
COVLASSO_HD void product_tile(const Threads& th, double* smem, const TX* x, const TY* y, int64_t r0, int64_t r1,
                              int64_t p, int64_t q, const double* kx, const double* ky, int64_t i0, int64_t j0,
                              double* out, bool add) {
  double* as = smem;
  double* bs = smem + kTileRows * kTile;
  const int t = th.lane();
  const int tx = t % 16, ty = t / 16;
  double acc[4][4];
  for (int u = 0; u < 4; ++u) {
    for (int v = 0; v < 4; ++v) acc[u][v] = 0;
  }
  for (int64_t base = r0; base < r1; base += kTileRows) {
    for (int e = t; e < kTileRows * kTile; e += th.count()) {
      const int64_t r = base + e / kTile, c = e % kTile;
      const bool row_ok = r < r1;
      as[e] = row_ok && i0 + c < p ? shifted(x, r, p, i0 + c, kx) : 0.0;
      bs[e] = row_ok && j0 + c < q ? shifted(y, r, q, j0 + c, ky) : 0.0;
    }
    th.sync();
    for (int k = 0; k < kTileRows; ++k) {
      double a[4], b[4];
      for (int u = 0; u < 4; ++u) a[u] = as[k * kTile + ty + 16 * u], b[u] = bs[k * kTile + tx + 16 * u];
      for (int u = 0; u < 4; ++u) {
        for (int v = 0; v < 4; ++v) acc[u][v] += a[u] * b[v];
      }
    }
    th.sync();
  }
  for (int u = 0; u < 4; ++u) {
    for (int v = 0; v < 4; ++v) {
      const int64_t i = i0 + ty + 16 * u, j = j0 + tx + 16 * v;
      if (i < p && j < q) out[i * q + j] = add ? out[i * q + j] + acc[u][v] : acc[u][v];
    }
  }
}

// moment[e] += Σ_s partial[s·size + e], s ascending.
COVLASSO_HD inline void add_partials(const double* partial, int64_t slices, int64_t size, int64_t e, double* moment) {
  double sum = 0;
  for (int64_t s = 0; s < slices; ++s) sum += partial[s * size + e];
  moment[e] += sum;
}

// sums[c] += Σ_r x̃_rc over the chunk's rows, in row order.
template <typename T>
COVLASSO_HD void column_sum(const T* x, int64_t rows, int64_t cols, int64_t c, const double* shift, double* sums) {
  double s = 0;
  for (int64_t r = 0; r < rows; ++r) s += shifted(x, r, cols, c, shift);
  sums[c] += s;
}

// The (i, j) tile of the upper triangle numbered `index` (row-major over i ≤ j) of a t×t grid.
COVLASSO_HD inline void upper_tile(int64_t index, int64_t t, int64_t* ti, int64_t* tj) {
  int64_t i = 0;
  while (index >= t - i) index -= t - i, ++i;
  *ti = i, *tj = i + index;
}

}  // namespace cuda
}  // namespace covlasso
