#include "moments.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <cstdint>
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
// float32 path: 1024 rows of float strips take the same panel memory as the float64 path's 512
// rows of double strips (4 KiB per padded column and side) and halve the number of passes over
// the moment matrix per row, which matters twice as much when the products run twice as fast.
constexpr int64_t kBlockRows32 = 1024;
// float32 tiles are 8 × 8 strips of 16 columns: again 128 × 128 output elements.
constexpr int64_t kTileStrips32 = 8;
// Rows averaged for the shift (see choose_shift).
constexpr int64_t kShiftRows = 512;
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


// The shift: the mean of the first min(rows, kShiftRows) rows (summed in float64 in row order),
// rounded to the input's dtype. Near the mean, shifted values are small, so the products lose
// nothing to cancellation even when the mean is huge relative to the spread; a representable
// shift keeps x − shift exact in float32 whenever x and the shift are within a factor 2.
void choose_shift(const MatrixView& m, std::vector<double>& shift) {
  const int64_t rows = std::min(kShiftRows, m.rows);
  std::vector<double> acc(m.cols, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < m.cols; ++c) acc[c] += m.at(r, c);
  }
  for (int64_t c = 0; c < m.cols; ++c) {
    double v = acc[c] / static_cast<double>(rows);
    if (m.dtype == DType::F32) v = static_cast<double>(static_cast<float>(v));
    shift[c] = std::isfinite(v) ? v : m.at(0, c);  // a float32 mean cannot overflow; f64 might
  }
}

// 64-byte aligned scratch for the packed panels (one strip row = one cache line).
template <typename T>
class AlignedPanel {
 public:
  void resize(int64_t n) {
    buf_.resize(n + 64 / sizeof(T));
    auto p = reinterpret_cast<std::uintptr_t>(buf_.data());
    data_ = buf_.data() + ((64 - p % 64) % 64) / sizeof(T);
  }
  T* data() { return data_; }
 private:
  std::vector<T> buf_;
  T* data_ = nullptr;
};

// The blocked product loop shared by both paths. T: packed element type, W: strip width.
// Each block of rows is packed once (shared by all threads); the output is cut into tiles of
// tile_strips × tile_strips strips handed out as tasks, so every element of the moment is summed
// in the same order whatever the thread count. Larger (off-diagonal) tiles go first, so the
// half-size diagonal tiles fill the gaps at the end of a block.
template <typename T, int64_t W, typename Pack, typename Kernel>
void accumulate_blocks(const MatrixView& x, const MatrixView* y, bool symmetric, int64_t block_rows,
                       int64_t tile_strips, int threads, const CancelFlag* cancel,
                       const std::vector<double>& shift_x, const std::vector<double>& shift_y,
                       std::vector<double>& sum_x, std::vector<double>& sum_y,
                       double* moment, int64_t& n, Pack pack, Kernel kernel) {
  const int64_t p = x.cols, q = symmetric ? x.cols : y->cols;
  const int64_t sx = (p + W - 1) / W, sy = (q + W - 1) / W;
  const int64_t rows_max = std::min(block_rows, x.rows);
  AlignedPanel<T> panel_x, panel_y;
  try {
    panel_x.resize(rows_max * sx * W);
    if (!symmetric) panel_y.resize(rows_max * sy * W);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::OutOfMemory, "cannot allocate the packing panels");
  }

  const int64_t tx = (sx + tile_strips - 1) / tile_strips, ty = (sy + tile_strips - 1) / tile_strips;
  std::vector<std::pair<int64_t, int64_t>> tiles;
  for (int64_t i = 0; i < tx; ++i) {
    for (int64_t j = symmetric ? i + 1 : 0; j < ty; ++j) tiles.emplace_back(i, j);
  }
  if (symmetric) {
    for (int64_t i = 0; i < tx; ++i) tiles.emplace_back(i, i);
  }

  for (int64_t r0 = 0; r0 < x.rows; r0 += block_rows) {
    throw_if_cancelled(cancel);
    const int64_t k = std::min(block_rows, x.rows - r0);
    pack(x, r0, k, shift_x.data(), panel_x.data(), sum_x.data(), threads);
    const T* px = panel_x.data();
    const T* py = px;
    if (!symmetric) {
      pack(*y, r0, k, shift_y.data(), panel_y.data(), sum_y.data(), threads);
      py = panel_y.data();
    }
    const int64_t work = k * p * q / (symmetric ? 2 : 1);
    const int tile_threads = work < kMinParallelWork ? 1 : threads;
    parallel_for(static_cast<int64_t>(tiles.size()), tile_threads, [&](int64_t t, int) {
      const int64_t is0 = tiles[t].first * tile_strips, is1 = std::min(sx, is0 + tile_strips);
      const int64_t js0 = tiles[t].second * tile_strips, js1 = std::min(sy, js0 + tile_strips);
      double edge[W * W];
      // js outer: one right-hand strip is reused against all the left-hand strips of the tile.
      for (int64_t js = js0; js < js1; ++js) {
        const int64_t j0 = js * W, jw = std::min(W, q - j0);
        for (int64_t is = is0; is < is1; ++is) {
          if (symmetric && is > js) break;  // strictly below the diagonal
          const T* a = px + is * k * W;
          const T* b = py + js * k * W;
          const int64_t i0 = is * W, iw = std::min(W, p - i0);
          if (iw == W && jw == W) {
            kernel(a, b, k, moment + i0 * q + j0, q);
            continue;
          }
          // A ragged edge: sum into a zeroed W×W buffer (0 + s == s exactly, so the result is
          // the same as for a full tile), then add the part that exists.
          std::fill(edge, edge + W * W, 0.0);
          kernel(a, b, k, edge, W);
          for (int64_t i = 0; i < iw; ++i) {
            double* dst = moment + (i0 + i) * q + j0;
            for (int64_t j = 0; j < jw; ++j) dst[j] += edge[i * W + j];
          }
        }
      }
    });
    if (symmetric) std::copy(sum_x.begin(), sum_x.end(), sum_y.begin());
    n += k;  // the block is fully in: the state is consistent again
  }
}

}  // namespace

MomentAccumulator::MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric)
    : MomentAccumulator(cols_x, cols_y, symmetric, nullptr) {}

MomentAccumulator::MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric,
                                     double* external_moment)
    : ext_(external_moment), cols_x_(cols_x), cols_y_(cols_y), symmetric_(symmetric) {
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
    if (ext_ == nullptr) moment_.assign(cols_x * cols_y, 0.0);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::OutOfMemory, "cannot allocate the moment matrix");
  }
}

void MomentAccumulator::update(const MatrixView& x, const MatrixView* y, int threads,
                               const CancelFlag* cancel, Products products) {
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

  if (n_ == 0) {  // the mean of the first rows seen becomes the shift
    choose_shift(x, shift_x_);
    if (symmetric_) shift_y_ = shift_x_;
    else choose_shift(*y, shift_y_);
  }

  const bool f32 = products == Products::Auto && x.dtype == DType::F32 &&
                   (y == nullptr || y->dtype == DType::F32);
  if (f32) {
    accumulate_blocks<float, detail::kStripWidth32>(
        x, y, symmetric_, kBlockRows32, kTileStrips32, threads, cancel, shift_x_, shift_y_, sum_x_,
        sum_y_, moment_data(), n_, detail::pack_block_f32,
        detail::strip_kernel_f32(detail::select_kernel_path()));
  } else {
    accumulate_blocks<double, kStripWidth>(
        x, y, symmetric_, kBlockRows, kTileStrips, threads, cancel, shift_x_, shift_y_, sum_x_,
        sum_y_, moment_data(), n_, detail::pack_block, detail::strip_kernel(detail::select_kernel_path()));
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
    const double* mo = other.moment_data() + i * q;
    double* m = moment_data() + i * q;
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
  const double* moment = moment_data();  // may be out itself (covariance(), cross_moments())
  for (int64_t i = 0; i < p; ++i) {
    const double* m = moment + i * q;
    const double mx = sum_x_[i] / n, kx = shift_x_[i];
    for (int64_t j = symmetric_ ? i : 0; j < q; ++j) {
      const double my = sum_y_[j] / n;
      // centered: M/n − mx·my (shift-invariant); raw: E[(x̃+kx)(ỹ+ky)] expanded.
      const double v = center ? (m[j] / n - mx * my) * scale
                              : m[j] / n + mx * shift_y_[j] + kx * my + kx * shift_y_[j];
      out[i * q + j] = v;  // in place: the upper triangle is read only before it is written
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
                const CancelFlag* cancel, double* out, Products products) {
  // Fail fast on a bad ddof before doing the work (result() would reject it anyway).
  require(!center || !std::isfinite(ddof) || static_cast<double>(x.rows) - ddof > 0,
          ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  require(out != nullptr || x.cols == 0, ErrorCode::InvalidArgument, "no output buffer");
  MomentAccumulator acc(x.cols, x.cols, true, out);  // validates the sizes
  std::fill(out, out + x.cols * x.cols, 0.0);  // the output holds the moment while it is summed
  acc.update(x, nullptr, threads, cancel, products);
  acc.result(center, ddof, out);
}

void cross_moments(const MatrixView& x, const MatrixView& y, bool center, double ddof,
                   int threads, const CancelFlag* cancel, double* out, Products products) {
  require(!center || !std::isfinite(ddof) || static_cast<double>(x.rows) - ddof > 0,
          ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  require(out != nullptr || x.cols * y.cols == 0, ErrorCode::InvalidArgument, "no output buffer");
  MomentAccumulator acc(x.cols, y.cols, false, out);
  std::fill(out, out + x.cols * y.cols, 0.0);
  acc.update(x, &y, threads, cancel, products);
  acc.result(center, ddof, out);
}

}  // namespace covlasso
