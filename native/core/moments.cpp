#include "moments.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "gram_kernel.hpp"

namespace covlasso {

namespace {

using detail::kStripWidth;
using detail::pack_block;
using detail::strips_for;

// Rows per block: a 512-row strip is 32 KiB, so the right-hand strip of the kernel fits L1 and
// the left-hand strips of a tile (16 × 32 KiB) fit L2. Each block reads and writes the moment
// matrix once, so longer blocks save traffic; measured on Zen4, 512 beat 256 by ~10% and tied
// with 1024, which doubles the panels' memory (and page faults on a fresh call).
constexpr int64_t kBlockRows = 512;
// Output tiles are kTileStrips × kTileStrips strips (128 × 128 elements): enough tasks to
// balance a few threads for p in the hundreds, few enough that task overhead is negligible.
constexpr int64_t kTileStrips = 16;
// Below this many multiply-adds per block, waking other threads costs more than it saves.
constexpr int64_t kMinParallelWork = int64_t(1) << 20;

template <typename T>
const T* typed(const MatrixView& m) { return static_cast<const T*>(m.data); }

// First non-finite element of rows [r0, r1), in row-major order; returns false if none.
template <typename T>
bool find_non_finite(const MatrixView& m, int64_t r0, int64_t r1, int64_t* row, int64_t* col) {
  const T* data = typed<T>(m);
  for (int64_t r = r0; r < r1; ++r) {
    const T* p = data + r * m.cols;
    bool bad = false;  // branch-free scan of the row, then locate the culprit
    for (int64_t c = 0; c < m.cols; ++c) bad |= !std::isfinite(p[c]);
    if (!bad) continue;
    for (int64_t c = 0; c < m.cols; ++c) {
      if (!std::isfinite(p[c])) { *row = r; *col = c; return true; }
    }
  }
  return false;
}

// Checks the whole input before anything is accumulated, in parallel chunks of rows; the
// reported element is the first in row-major order whatever the thread count.
void check_finite(const MatrixView& m, const char* name, int64_t row_base, int threads) {
  const int64_t chunk = std::max<int64_t>(64, (int64_t(1) << 16) / std::max<int64_t>(m.cols, 1));
  const int64_t n_chunks = (m.rows + chunk - 1) / chunk;
  std::vector<int64_t> bad_row(n_chunks, -1), bad_col(n_chunks, -1);
  parallel_for(n_chunks, threads, [&](int64_t t, int) {
    const int64_t r0 = t * chunk, r1 = std::min(m.rows, r0 + chunk);
    if (m.dtype == DType::F32) find_non_finite<float>(m, r0, r1, &bad_row[t], &bad_col[t]);
    else find_non_finite<double>(m, r0, r1, &bad_row[t], &bad_col[t]);
  });
  for (int64_t t = 0; t < n_chunks; ++t) {  // the first chunk with a bad value has the first one
    if (bad_row[t] < 0) continue;
    const double v = m.at(bad_row[t], bad_col[t]);
    throw Error(ErrorCode::NotFinite, std::string(name) + " contains " + (std::isnan(v) ? "NaN" : "Inf") +
                                          " at row " + std::to_string(row_base + bad_row[t]) +
                                          ", column " + std::to_string(bad_col[t]));
  }
}

void require(bool ok, ErrorCode code, const std::string& message) {
  if (!ok) throw Error(code, message);
}

void check_view(const MatrixView& m, const char* name) {
  require(m.rows >= 0 && m.cols >= 0, ErrorCode::InvalidArgument,
          std::string(name) + " has negative dimensions");
  require(m.data != nullptr || m.rows * m.cols == 0, ErrorCode::InvalidArgument,
          std::string(name) + " has no data");
}

}  // namespace

MomentAccumulator::MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric)
    : cols_x_(cols_x), cols_y_(cols_y), symmetric_(symmetric) {
  require(cols_x >= 0 && cols_y >= 0, ErrorCode::InvalidArgument, "column counts must be >= 0");
  require(!symmetric || cols_x == cols_y, ErrorCode::InvalidArgument,
          "a symmetric accumulator needs cols_x == cols_y");
  require(cols_y == 0 || cols_x <= (int64_t(1) << 40) / cols_y, ErrorCode::OutOfMemory,
          "the moment matrix is too large");
  try {
    shift_x_.assign(cols_x, 0.0);
    shift_y_.assign(cols_y, 0.0);
    sum_x_.assign(cols_x, 0.0);
    sum_y_.assign(cols_y, 0.0);
    moment_.assign(cols_x * cols_y, 0.0);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::OutOfMemory, "cannot allocate the moment matrix");
  }
}

void MomentAccumulator::update(const MatrixView& x, const MatrixView* y, int threads,
                               const CancelFlag* cancel) {
  check_view(x, "x");
  require(x.cols == cols_x_, ErrorCode::ShapeMismatch,
          "x has " + std::to_string(x.cols) + " columns, expected " + std::to_string(cols_x_));
  if (symmetric_) {
    require(y == nullptr, ErrorCode::InvalidArgument, "a symmetric accumulator takes no y");
  } else {
    require(y != nullptr, ErrorCode::InvalidArgument, "a cross-moment accumulator needs y");
    check_view(*y, "y");
    require(y->cols == cols_y_, ErrorCode::ShapeMismatch,
            "y has " + std::to_string(y->cols) + " columns, expected " + std::to_string(cols_y_));
    require(y->rows == x.rows, ErrorCode::ShapeMismatch,
            "x and y have different row counts (" + std::to_string(x.rows) + " and " +
                std::to_string(y->rows) + ")");
  }
  threads = resolve_threads(threads);
  throw_if_cancelled(cancel);
  if (x.rows == 0) return;
  check_finite(x, "x", n_, threads);
  if (y != nullptr) check_finite(*y, "y", n_, threads);

  if (n_ == 0) {  // the first row seen becomes the shift
    for (int64_t c = 0; c < cols_x_; ++c) shift_x_[c] = x.at(0, c);
    for (int64_t c = 0; c < cols_y_; ++c) shift_y_[c] = symmetric_ ? shift_x_[c] : y->at(0, c);
  }

  const int64_t p = cols_x_, q = cols_y_;
  const int64_t sx = strips_for(p), sy = strips_for(q);
  const int64_t rows_max = std::min(kBlockRows, x.rows);
  std::vector<double> panel_x, panel_y;
  try {
    panel_x.resize(rows_max * sx * kStripWidth);
    if (!symmetric_) panel_y.resize(rows_max * sy * kStripWidth);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::OutOfMemory, "cannot allocate the packing panels");
  }

  // Output tiles; in the symmetric case only those touching the upper triangle.
  const int64_t tx = (sx + kTileStrips - 1) / kTileStrips, ty = (sy + kTileStrips - 1) / kTileStrips;
  std::vector<std::pair<int64_t, int64_t>> tiles;
  for (int64_t i = 0; i < tx; ++i) {
    for (int64_t j = symmetric_ ? i : 0; j < ty; ++j) tiles.emplace_back(i, j);
  }
  const detail::StripKernel kernel = detail::strip_kernel(detail::select_kernel_path());

  for (int64_t r0 = 0; r0 < x.rows; r0 += kBlockRows) {
    throw_if_cancelled(cancel);
    const int64_t k = std::min(kBlockRows, x.rows - r0);
    pack_block(x, r0, k, shift_x_.data(), panel_x.data(), sum_x_.data(), threads);
    const double* px = panel_x.data();
    const double* py = px;
    if (!symmetric_) {
      pack_block(*y, r0, k, shift_y_.data(), panel_y.data(), sum_y_.data(), threads);
      py = panel_y.data();
    }
    const int64_t work = k * p * q / (symmetric_ ? 2 : 1);
    const int tile_threads = work < kMinParallelWork ? 1 : threads;
    double* moment = moment_.data();
    parallel_for(static_cast<int64_t>(tiles.size()), tile_threads, [&](int64_t t, int) {
      const int64_t is0 = tiles[t].first * kTileStrips, is1 = std::min(sx, is0 + kTileStrips);
      const int64_t js0 = tiles[t].second * kTileStrips, js1 = std::min(sy, js0 + kTileStrips);
      double edge[kStripWidth * kStripWidth];
      // js outer: one right-hand strip is reused against all the left-hand strips of the tile.
      for (int64_t js = js0; js < js1; ++js) {
        const int64_t j0 = js * kStripWidth, jw = std::min(kStripWidth, q - j0);
        for (int64_t is = is0; is < is1; ++is) {
          if (symmetric_ && is > js) break;  // strictly below the diagonal
          const double* a = px + is * k * kStripWidth;
          const double* b = py + js * k * kStripWidth;
          const int64_t i0 = is * kStripWidth, iw = std::min(kStripWidth, p - i0);
          if (iw == kStripWidth && jw == kStripWidth) {
            kernel(a, b, k, moment + i0 * q + j0, q);
            continue;
          }
          // A ragged edge: sum into a zeroed 8×8 buffer (0 + s == s exactly, so the result is
          // the same as for a full tile), then add the part that exists.
          std::fill(edge, edge + kStripWidth * kStripWidth, 0.0);
          kernel(a, b, k, edge, kStripWidth);
          for (int64_t i = 0; i < iw; ++i) {
            double* dst = moment + (i0 + i) * q + j0;
            for (int64_t j = 0; j < jw; ++j) dst[j] += edge[i * kStripWidth + j];
          }
        }
      }
    });
    if (symmetric_) std::copy(sum_x_.begin(), sum_x_.end(), sum_y_.begin());
    n_ += k;  // the block is fully in: the state is consistent again
  }
}

void MomentAccumulator::merge(const MomentAccumulator& other) {
  require(other.cols_x_ == cols_x_ && other.cols_y_ == cols_y_, ErrorCode::ShapeMismatch,
          "cannot merge accumulators of different shapes");
  require(other.symmetric_ == symmetric_, ErrorCode::InvalidArgument,
          "cannot merge a symmetric accumulator with a cross-moment one");
  if (other.n_ == 0) return;
  if (&other == this) {
    const MomentAccumulator copy = other;
    merge(copy);
    return;
  }
  if (n_ == 0) {
    *this = other;
    return;
  }
  // other's rows relative to our shift: x − kx = (x − kx_o) + dx with dx = kx_o − kx.
  const int64_t p = cols_x_, q = cols_y_;
  const double no = static_cast<double>(other.n_);
  std::vector<double> dx(p), dy(q);
  for (int64_t i = 0; i < p; ++i) dx[i] = other.shift_x_[i] - shift_x_[i];
  for (int64_t j = 0; j < q; ++j) dy[j] = other.shift_y_[j] - shift_y_[j];
  for (int64_t i = 0; i < p; ++i) {
    const double* mo = other.moment_.data() + i * q;
    double* m = moment_.data() + i * q;
    for (int64_t j = symmetric_ ? i : 0; j < q; ++j) {
      m[j] += mo[j] + other.sum_x_[i] * dy[j] + dx[i] * other.sum_y_[j] + no * dx[i] * dy[j];
    }
  }
  for (int64_t i = 0; i < p; ++i) sum_x_[i] += other.sum_x_[i] + no * dx[i];
  for (int64_t j = 0; j < q; ++j) sum_y_[j] += other.sum_y_[j] + no * dy[j];
  n_ += other.n_;
}

void MomentAccumulator::result(bool center, double ddof, double* out) const {
  require(n_ > 0, ErrorCode::InvalidArgument, "no rows have been accumulated");
  require(std::isfinite(ddof), ErrorCode::InvalidArgument, "ddof must be finite");
  const double n = static_cast<double>(n_);
  require(!center || n - ddof > 0, ErrorCode::InvalidArgument,
          "ddof must be smaller than the number of rows (" + std::to_string(n_) + ")");
  require(out != nullptr || cols_x_ * cols_y_ == 0, ErrorCode::InvalidArgument, "no output buffer");
  const int64_t p = cols_x_, q = cols_y_;
  const double scale = center ? n / (n - ddof) : 1.0;
  for (int64_t i = 0; i < p; ++i) {
    const double* m = moment_.data() + i * q;
    const double mx = sum_x_[i] / n, kx = shift_x_[i];
    for (int64_t j = symmetric_ ? i : 0; j < q; ++j) {
      const double my = sum_y_[j] / n;
      // centered: M/n − mx·my (shift-invariant); raw: E[(x̃+kx)(ỹ+ky)] expanded.
      const double v = center ? (m[j] / n - mx * my) * scale
                              : m[j] / n + mx * shift_y_[j] + kx * my + kx * shift_y_[j];
      out[i * q + j] = v;
      if (symmetric_) out[j * q + i] = v;
    }
  }
}

MomentAccumulator MomentAccumulator::from_state(int64_t cols_x, int64_t cols_y, bool symmetric,
                                                int64_t count, std::vector<double> shift_x,
                                                std::vector<double> shift_y,
                                                std::vector<double> sum_x,
                                                std::vector<double> sum_y,
                                                std::vector<double> moment) {
  MomentAccumulator acc(cols_x, cols_y, symmetric);
  require(count >= 0, ErrorCode::InvalidArgument, "count must be >= 0");
  require(static_cast<int64_t>(shift_x.size()) == cols_x &&
              static_cast<int64_t>(sum_x.size()) == cols_x &&
              static_cast<int64_t>(shift_y.size()) == cols_y &&
              static_cast<int64_t>(sum_y.size()) == cols_y &&
              static_cast<int64_t>(moment.size()) == cols_x * cols_y,
          ErrorCode::ShapeMismatch, "state vectors do not match the shape");
  auto finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
  };
  require(finite(shift_x) && finite(shift_y) && finite(sum_x) && finite(sum_y),
          ErrorCode::NotFinite, "state contains NaN or Inf");
  for (int64_t i = 0; i < cols_x; ++i) {  // only the authoritative part must be finite
    for (int64_t j = symmetric ? i : 0; j < cols_y; ++j) {
      require(std::isfinite(moment[i * cols_y + j]), ErrorCode::NotFinite,
              "state contains NaN or Inf");
    }
  }
  require(!symmetric || (shift_x == shift_y && sum_x == sum_y), ErrorCode::InvalidArgument,
          "symmetric state needs shift_y == shift_x and sum_y == sum_x");
  if (count == 0) return acc;  // no rows: the state is reset (shifts are set by the first row)
  acc.n_ = count;
  acc.shift_x_ = std::move(shift_x);
  acc.shift_y_ = std::move(shift_y);
  acc.sum_x_ = std::move(sum_x);
  acc.sum_y_ = std::move(sum_y);
  acc.moment_ = std::move(moment);
  return acc;
}

void covariance(const MatrixView& x, bool center, double ddof, int threads,
                const CancelFlag* cancel, double* out) {
  // Fail fast on a bad ddof before doing the work (result() would reject it anyway).
  require(!center || !std::isfinite(ddof) || static_cast<double>(x.rows) - ddof > 0,
          ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  MomentAccumulator acc(x.cols, x.cols, true);
  acc.update(x, nullptr, threads, cancel);
  acc.result(center, ddof, out);
}

void cross_moments(const MatrixView& x, const MatrixView& y, bool center, double ddof,
                   int threads, const CancelFlag* cancel, double* out) {
  require(!center || !std::isfinite(ddof) || static_cast<double>(x.rows) - ddof > 0,
          ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  MomentAccumulator acc(x.cols, y.cols, false);
  acc.update(x, &y, threads, cancel);
  acc.result(center, ddof, out);
}

}  // namespace covlasso
