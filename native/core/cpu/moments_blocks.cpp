// The passes over the rows of one update (moments_blocks.hpp): the finiteness check, the shift,
// and the blocked product loop that packs each block of rows and runs the strip kernels on tiles
// of the output.
#include "moments_blocks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "gram_kernel_amx.hpp"
#include "gram_kernel_impl.hpp"

namespace covlasso {
namespace detail {

namespace {

// Rows per block (float64 products). Each block reads and writes the moment matrix once and ends
// with a barrier between the threads, so longer blocks save traffic and synchronisation;
// measured on Zen 4, 512 beat 256 by ~10% and tied with 1024 (issue #3); on the two-core Xeon
// (issue #12), 1024 was ~20% faster than 512 on two threads (interleaved runs, 100000×1000).
// 1024 rows of 8-double strips: 8 KiB of panel per column.
constexpr int64_t kBlockRows = 1024;
// Output tiles are kTileStrips × kTileStrips strips (128 × 128 elements): enough tasks to
// balance a few threads for p in the hundreds, few enough that task overhead is negligible.
constexpr int64_t kTileStrips = 16;
// float32 path: 1024 rows of float strips take the same panel memory as the float64 path's 512
// rows of double strips (4 KiB per padded column and side) and halve the number of passes over
// the moment matrix per row, which matters twice as much when the products run twice as fast.
constexpr int64_t kBlockRows32 = 1024;
// float32 tiles are 8 × 8 strips of 16 columns: again 128 × 128 output elements.
constexpr int64_t kTileStrips32 = 8;
// AMX path: 12 bytes of panel per element (gram_kernel_amx.hpp). Rows per kernel call: each
// call ends by storing its float32 tiles and adding them to the moment in float64, work that
// does not overlap the tile products; on the Xeon the pair kernel ran at ~200 effective GFLOP/s
// per core flushing every 64 rows, ~270 with 256-row calls, ~310 with 512-row calls (of 2850 /
// 6 = 475 for six bf16 products per float32 product).
constexpr int64_t kBlockRowsAmx = 1024;
constexpr int64_t kAmxCallRows = 512;
// Rows averaged for the shift (see choose_shift).
constexpr int64_t kShiftRows = 512;
// Rows of a block per kernel call: 256 rows of a strip are 16 KiB (float32) or 16 KiB (float64,
// 8 doubles a row), so the one or two right-hand strips of a call stay in L1 (48 KiB on the Xeon,
// 32 KiB on Zen 4) while the tile's left-hand strips stream from L2. A multiple of kKc, so the
// float32 chunks (and the float32 results) are those of a whole-block call. On the Xeon, whole
// 1024-row calls ran the float32 kernel at ~88 GFLOP/s per core, 256-row calls at ~115 (one-strip
// kernel) and ~135 (pair kernel), of a ~170 peak (microbenchmarks, one core).
constexpr int64_t kSubRows = 256;
// Below this many multiply-adds per block, waking other threads costs more than it saves.
constexpr int64_t kMinParallelWork = int64_t(1) << 20;

template <typename T>
const T* typed(const MatrixView& m) { return static_cast<const T*>(m.data); }

// What a scan of the input finds: a NaN/±Inf (non_finite), and for float32 input whether some
// value is outside the range where float32 products are safe (kF32SafeMin ≤ |x| < kF32SafeMax,
// or 0): below it the products of shifted values may underflow (a denormal or zero square, a
// negative centered variance), above it a 256-row float32 partial sum may overflow to ±Inf.
struct ScanFlags {
  bool non_finite = false;
  bool outside_f32_range = false;
};
// 2⁻³⁶: nonzero differences x − k of such values (multiples of ulp ≥ 2⁻⁵⁹) square to ≥ 2⁻¹¹⁸,
// normal floats. 2⁵⁸: |x − k| < 2⁵⁹ (|k| ≤ max|x|), so a square is < 2¹¹⁸ and 256 of them < 2¹²⁶.
constexpr uint32_t kF32SafeMinBits = 0x2d800000u;  // 2⁻³⁶ as float bits
constexpr uint32_t kF32SafeMaxBits = 0x5c800000u;  // 2⁵⁸ as float bits

// The scan as integer operations on the bits (for non-negative floats, integer order is float
// order), so it vectorises: a floating-point isfinite() loop stayed scalar (~4 instructions per
// element, 9% of a float32 covariance); the AVX-512 version keeps the extremes of 16 floats per
// instruction, or compares 8 doubles at a time. Only float32 input needs the range.
template <typename T>
inline __attribute__((always_inline)) ScanFlags scan_values(const T* p, int64_t n) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr U kExp = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  constexpr U kAbs = sizeof(T) == 4 ? U(0x7fffffffu) : U(0x7fffffffffffffffull);
  // The largest |x| bits, and the smallest of |x| bits − 1 (0 wraps to the top, so exact zeros
  // never count as small): two running extremes, no compare per element.
  U largest = 0, smallest_less_one = ~U(0);
  for (int64_t c = 0; c < n; ++c) {
    U u;
    std::memcpy(&u, p + c, sizeof u);
    const U a = u & kAbs;
    largest = a > largest ? a : largest;
    if constexpr (sizeof(T) == 4) smallest_less_one = a - 1 < smallest_less_one ? a - 1 : smallest_less_one;
  }
  ScanFlags flags;
  flags.non_finite = largest >= kExp;
  if constexpr (sizeof(T) == 4) flags.outside_f32_range = largest >= kF32SafeMaxBits || smallest_less_one < kF32SafeMinBits - 1;
  return flags;
}
#ifdef COVLASSO_X86_SIMD
template <typename T>
__attribute__((target("avx512f"))) ScanFlags scan_values_avx512(const T* p, int64_t n) {
  constexpr int64_t L = 64 / sizeof(T);
  int64_t c = 0;
  ScanFlags flags;
  if constexpr (sizeof(T) == 4) {
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), one = _mm512_set1_epi32(1);
    __m512i largest = _mm512_setzero_si512(), smallest_less_one = _mm512_set1_epi32(-1);
    for (; c + L <= n; c += L) {
      const __m512i a = _mm512_and_si512(_mm512_loadu_si512(reinterpret_cast<const float*>(p) + c), abs_mask);
      largest = _mm512_max_epu32(largest, a);
      smallest_less_one = _mm512_min_epu32(smallest_less_one, _mm512_sub_epi32(a, one));
    }
    const uint32_t big = _mm512_reduce_max_epu32(largest), small = _mm512_reduce_min_epu32(smallest_less_one);
    flags.non_finite = big >= 0x7f800000u;
    flags.outside_f32_range = big >= kF32SafeMaxBits || small < kF32SafeMinBits - 1;
  } else {
    __mmask8 bad = 0;
    for (; c + L <= n; c += L) {  // |x| >= Inf, or unordered (NaN)
      const __m512d a = _mm512_abs_pd(_mm512_loadu_pd(reinterpret_cast<const double*>(p) + c));
      bad |= _mm512_cmp_pd_mask(a, _mm512_set1_pd(std::numeric_limits<double>::infinity()), _CMP_NLT_UQ);
    }
    flags.non_finite = bad != 0;
  }
  const ScanFlags rest = scan_values(p + c, n - c);
  flags.non_finite |= rest.non_finite;
  flags.outside_f32_range |= rest.outside_f32_range;
  return flags;
}
#endif

// Scans rows [r0, r1): the first non-finite element in row-major order (returns false if
// none) and, in *range, whether any value is outside the float32 products' safe range.
template <typename T>
bool find_non_finite(const MatrixView& m, int64_t r0, int64_t r1, int64_t* row, int64_t* col, bool wide, bool* range) {
  const T* data = typed<T>(m);
  for (int64_t r = r0; r < r1; ++r) {
    const T* p = data + r * m.cols;
#ifdef COVLASSO_X86_SIMD
    const ScanFlags flags = wide ? scan_values_avx512(p, m.cols) : scan_values(p, m.cols);
#else
    (void)wide;
    const ScanFlags flags = scan_values(p, m.cols);
#endif
    *range |= flags.outside_f32_range;
    if (!flags.non_finite) continue;  // then locate the culprit
    for (int64_t c = 0; c < m.cols; ++c) {
      if (!std::isfinite(p[c])) { *row = r; *col = c; return true; }
    }
  }
  return false;
}

}  // namespace

// Checks the whole input before anything is accumulated, in parallel chunks of rows; the
// reported element is the first in row-major order whatever the thread count.
bool check_finite(const MatrixView& m, const char* name, int64_t row_base, int threads) {
  const int64_t chunk = std::max<int64_t>(64, (int64_t(1) << 16) / std::max<int64_t>(m.cols, 1));
  const int64_t n_chunks = (m.rows + chunk - 1) / chunk;
  std::vector<int64_t> bad_row(n_chunks, -1), bad_col(n_chunks, -1);
  std::vector<char> outside(n_chunks, 0);
  const bool wide = is_avx512(select_kernel_path());
  parallel_for(n_chunks, threads, [&](int64_t t, int) {
    const int64_t r0 = t * chunk, r1 = std::min(m.rows, r0 + chunk);
    bool range = false;
    if (m.dtype == DType::F32) find_non_finite<float>(m, r0, r1, &bad_row[t], &bad_col[t], wide, &range);
    else find_non_finite<double>(m, r0, r1, &bad_row[t], &bad_col[t], wide, &range);
    outside[t] = range;
  });
  for (int64_t t = 0; t < n_chunks; ++t) {  // the first chunk with a bad value has the first one
    if (bad_row[t] < 0) continue;
    const double v = m.at(bad_row[t], bad_col[t]);
    throw Error(ErrorCode::NotFinite, std::string(name) + " contains " + (std::isnan(v) ? "NaN" : "Inf") +
                                          " at row " + std::to_string(row_base + bad_row[t]) +
                                          ", column " + std::to_string(bad_col[t]));
  }
  return std::find(outside.begin(), outside.end(), 1) == outside.end();
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
    // A tiny shift would make x − k tiny for x = 0 (a square that underflows in float32); 0 is
    // as good a shift for such a column.
    if (std::fabs(v) < 0x1p-36) v = 0;
    shift[c] = std::isfinite(v) ? v : m.at(0, c);  // a float32 mean cannot overflow; f64 might
  }
}

namespace {

// How a path lays out a block's panel: W columns per strip, E packed elements per strip and row
// (W for the SIMD strips; the AMX strips hold three bf16 tiles per 32 rows), rows padded to a
// multiple of Q (with zeros, by the packing) because the kernels take Q rows at a time, the rows
// per kernel call (kSubRows for the SIMD paths), and whether the panel has a second half of
// strips for the right-hand side (AMX: left and right operands are laid out differently).
struct PanelLayout {
  int64_t w, e, q, sub;
  bool halves;
};

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

constexpr int64_t kMaxStripWidth = 16;  // the ragged-edge buffer of a tile task

// Prefetches the cache lines of a rows × cols block of a row-major float64 matrix (leading
// dimension ld) into L2, a share at each call of some() so that `calls` calls cover it.
struct TilePrefetch {
  TilePrefetch(const double* base, int64_t ld, int64_t rows, int64_t cols, int64_t calls)
      : base_(base), ld_(ld), rows_(rows), lines_per_row_((cols + 7) / 8 + 1),
        per_call_((rows * lines_per_row_ + calls - 1) / calls) {}
  void some() {
    for (int64_t k = 0; k < per_call_ && row_ < rows_; ++k) {
      __builtin_prefetch(base_ + row_ * ld_ + line_ * 8, 1, 2);
      if (++line_ == lines_per_row_) line_ = 0, ++row_;
    }
  }

 private:
  const double* base_;
  int64_t ld_, rows_, lines_per_row_, per_call_, row_ = 0, line_ = 0;
};

// dst[i·ldd + j] += src[i·lds + j] for i < rows, j < cols (always_inline: the AVX-512 wrapper
// below compiles it with 512-bit vectors).
inline __attribute__((always_inline)) void add_tile_generic(double* __restrict dst, int64_t ldd,
                                                            const double* __restrict src,
                                                            int64_t lds, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[i * ldd + j] += src[i * lds + j];
  }
}
#ifdef COVLASSO_X86_SIMD
__attribute__((target("avx512f"))) void add_tile_avx512(double* dst, int64_t ldd, const double* src,
                                                        int64_t lds, int64_t rows, int64_t cols) {
  add_tile_generic(dst, ldd, src, lds, rows, cols);
}
#endif
void add_tile(double* dst, int64_t ldd, const double* src, int64_t lds, int64_t rows, int64_t cols, bool wide) {
#ifdef COVLASSO_X86_SIMD
  if (wide) return add_tile_avx512(dst, ldd, src, lds, rows, cols);
#else
  (void)wide;
#endif
  add_tile_generic(dst, ldd, src, lds, rows, cols);
}

// The blocked product loop shared by all paths. T: packed element type.
// Each block of rows is packed once (shared by all threads); the output is cut into tiles of
// tile_strips × tile_strips strips handed out as tasks, so every element of the moment is summed
// in the same order whatever the thread count. Larger (off-diagonal) tiles go first, so the
// half-size diagonal tiles fill the gaps at the end of a block.
template <typename T, typename Pack>
void accumulate_blocks(const MatrixView& x, const MatrixView* y, bool symmetric, PanelLayout lay,
                       int64_t block_rows, int64_t tile_strips, int threads,
                       const CancelFlag* cancel, const std::vector<double>& shift_x,
                       const std::vector<double>& shift_y, std::vector<double>& sum_x,
                       std::vector<double>& sum_y, double* moment, int64_t& n, Pack pack,
                       StripKernelSet<T> kernels, BlockWorkspace& ws) {
  const int64_t W = lay.w, E = lay.e;
  const int64_t p = x.cols, q = symmetric ? x.cols : y->cols;
  const int64_t sx = (p + W - 1) / W, sy = (q + W - 1) / W;
  const int64_t rows_max = round_up(std::min(block_rows, x.rows), lay.q);
  AlignedPanel<T>& panel_x = ws.panel<T>(0);
  AlignedPanel<T>& panel_y = ws.panel<T>(1);
  try {
    const int64_t halves = lay.halves ? 2 : 1;
    panel_x.reserve(rows_max * sx * E * halves);
    if (!symmetric) panel_y.reserve(rows_max * sy * E * halves);
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
    const int64_t k = std::min(block_rows, x.rows - r0), kl = round_up(k, lay.q);
    pack(x, r0, k, shift_x.data(), panel_x.data(), sum_x.data(), threads, ws.pack);
    const T* px = panel_x.data();
    const T* py = px;
    if (!symmetric) {
      pack(*y, r0, k, shift_y.data(), panel_y.data(), sum_y.data(), threads, ws.pack);
      py = panel_y.data();
    }
    if (lay.halves) py += sy * kl * E;  // the right-hand operands' half
    const int64_t work = k * p * q / (symmetric ? 2 : 1);
    const int tile_threads = work < kMinParallelWork ? 1 : threads;
    const int64_t ld = tile_strips * W;  // leading dimension of a tile's scratch
    const bool wide = is_avx512(select_kernel_path());
    if (static_cast<int>(ws.tiles.size()) < tile_threads) ws.tiles.resize(tile_threads);
    parallel_for(static_cast<int64_t>(tiles.size()), tile_threads, [&](int64_t t, int slot) {
      const int64_t is0 = tiles[t].first * tile_strips, is1 = std::min(sx, is0 + tile_strips);
      const int64_t js0 = tiles[t].second * tile_strips, js1 = std::min(sy, js0 + tile_strips);
      // The kernels sum the block into the task's own zeroed tile, added to the moment at the
      // end: the many flushes of the kernels go to a compact buffer (in L2, no TLB misses) and
      // never share a cache line with another thread's tile (the moment's rows need not be
      // aligned: tiles of a row meet inside cache lines), and the moment is read and written
      // once per block and tile.
      const int64_t i0 = is0 * W, j0 = js0 * W, ti = std::min(p - i0, (is1 - is0) * W), tj = std::min(q - j0, (js1 - js0) * W);
      AlignedPanel<double>& tile = ws.tiles[slot];
      tile.reserve(ld * ld);
      double* sc = tile.data();
      for (int64_t i = 0; i < (is1 - is0) * W; ++i) std::fill(sc + i * ld, sc + i * ld + (js1 - js0) * W, 0.0);
      double edge[kMaxStripWidth * kMaxStripWidth];
      // One left strip × one right strip over ks rows.
      auto one = [&](const T* a, const T* b, int64_t ks, int64_t is, int64_t js) {
        double* c = sc + (is - is0) * W * ld + (js - js0) * W;
        const int64_t iw = std::min(W, p - is * W), jw = std::min(W, q - js * W);
        if (iw == W && jw == W) return kernels.one(a, b, ks, c, ld);
        // A ragged edge: sum into a zeroed W×W buffer (0 + s == s exactly, so the result is
        // the same as for a full tile), then add the part that exists.
        std::fill(edge, edge + W * W, 0.0);
        kernels.one(a, b, ks, edge, W);
        for (int64_t i = 0; i < iw; ++i) {
          for (int64_t j = 0; j < jw; ++j) c[i * ld + j] += edge[i * W + j];
        }
      };
      // The moment rows of this tile come from L3 (the moment is larger than L2): prefetched a
      // few lines per kernel call, they are in L2 when the tile is added at the end (without,
      // that addition stalled on L3 for ~10% of the float32 run time).
      const int64_t calls = std::max<int64_t>(1, ((kl + lay.sub - 1) / lay.sub) * (js1 - js0) * (is1 - is0) / (kernels.two != nullptr ? 2 : 1));
      TilePrefetch moment_ahead{moment + i0 * q + j0, q, ti, tj, calls};
      if (kernels.enter != nullptr) kernels.enter();
      // Rows outer (lay.sub at a time), then right strips, then left strips: the right strips
      // of a call stay in L1 while every left strip of the tile passes against them.
      for (int64_t s0 = 0; s0 < kl; s0 += lay.sub) {
        const int64_t ks = std::min(lay.sub, kl - s0);
        for (int64_t js = js0; js < js1;) {
          // Two right strips per call where the path has a pair kernel and both are full.
          const bool pair = kernels.two != nullptr && js + 1 < js1 && (js + 2) * W <= q;
          const T* b0 = py + (js * kl + s0) * E;
          const T* b1 = b0 + kl * E;
          for (int64_t is = is0; is < is1; ++is) {
            moment_ahead.some();
            if (symmetric && is > js + (pair ? 1 : 0)) break;  // strictly below the diagonal
            const T* a = px + (is * kl + s0) * E;
            const bool below = symmetric && is > js;  // (is, js) below, (is, js + 1) on it
            if (pair && !below && (is + 1) * W <= p) {
              kernels.two(a, b0, b1, ks, sc + (is - is0) * W * ld + (js - js0) * W, ld);
              continue;
            }
            if (!below) one(a, b0, ks, is, js);
            if (pair) one(a, b1, ks, is, js + 1);
          }
          js += pair ? 2 : 1;
        }
      }
      if (kernels.leave != nullptr) kernels.leave();
      add_tile(moment + i0 * q + j0, q, sc, ld, ti, tj, wide);
    });
    if (symmetric) std::copy(sum_x.begin(), sum_x.end(), sum_y.begin());
    n += k;  // the block is fully in: the state is consistent again
  }
}

}  // namespace

void accumulate_rows(const MatrixView& x, const MatrixView* y, bool symmetric, bool f32_products,
                     int threads, const CancelFlag* cancel, const std::vector<double>& shift_x,
                     const std::vector<double>& shift_y, std::vector<double>& sum_x,
                     std::vector<double>& sum_y, double* moment, int64_t& n, BlockWorkspace* ws) {
  BlockWorkspace local;
  if (ws == nullptr) ws = &local;
  const KernelPath path = select_kernel_path();
  if (f32_products && path == KernelPath::Amx) {
    accumulate_blocks<uint16_t>(x, y, symmetric, {16, kAmxStripRow, kAmxStep, kAmxCallRows, true},
                                kBlockRowsAmx,
                                kTileStrips32, threads, cancel, shift_x, shift_y, sum_x, sum_y,
                                moment, n, pack_block_amx, amx_kernels(), *ws);
  } else if (f32_products) {
    accumulate_blocks<float>(x, y, symmetric, {kStripWidth32, kStripWidth32, 1, kSubRows, false},
                             kBlockRows32,
                             kTileStrips32, threads, cancel, shift_x, shift_y, sum_x, sum_y,
                             moment, n, pack_block_f32, strip_kernels_f32(path), *ws);
  } else {
    accumulate_blocks<double>(x, y, symmetric, {kStripWidth, kStripWidth, 1, kSubRows, false},
                              kBlockRows,
                              kTileStrips, threads, cancel, shift_x, shift_y, sum_x, sum_y,
                              moment, n, pack_block, strip_kernels(path), *ws);
  }
}

}  // namespace detail
}  // namespace covlasso
