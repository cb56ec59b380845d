// Packing rows of X (and Y) into strips for the micro-kernels (the layouts are described in
// gram_kernel.hpp): pack_block (float64 strips) and pack_block_f32 (float32 strips).
#include <algorithm>

#include "gram_kernel.hpp"
#include "gram_kernel_impl.hpp"
#include "thread_pool.hpp"

namespace covlasso {
namespace detail {

namespace {

// Packing. Each task packs kPackRows consecutive rows across all columns: rows are read front to
// back, i.e. sequentially in memory, the pattern hardware prefetchers follow (packing column
// bands instead reads a few cache lines from a new 4 KiB page every row, which the prefetchers do
// not follow). Every strip receives one W-wide row per source row. Column sums are formed per
// column in increasing row order within a task, into the task's own slice of `partials`; the
// slices are added to the sums afterwards in task order, so the result does not depend on the
// thread count (nor on how a loop vectorises).
// P: packed type. For float32 input with float32-representable shifts (the usual case: the
// shift is rounded to the input's dtype), x − k is formed in float32, which is the correctly
// rounded exact difference, the same as forming it in float64 and rounding.
// The full strips of rows [0, g) of src (row stride ld): d[s·stride + r·W + c] = src[r·ld + s·W + c]
// − shift, part[s·W + c] += that, for columns [0, full), strip by strip and rows in increasing
// order within a strip. A group of rows per strip keeps the stores contiguous (g·W values per
// strip instead of W at every strip) and the sums in registers; the g source rows are g
// sequential streams. Portable version (GCC keeps it scalar: it cannot prove that source,
// panel and sums do not overlap).
constexpr int64_t kPackGroupRows = 8;

template <typename T, typename P, int64_t W, bool kFloatShift>
void full_strips_rows(const T* src, int64_t ld, int64_t g, const double* shift,
                      const float* shift_f, int64_t full, P* d, int64_t stride, double* part) {
  for (int64_t c0 = 0; c0 < full; c0 += W, d += stride) {
    for (int64_t r = 0; r < g; ++r) {
      for (int64_t c = 0; c < W; ++c) {
        P v;
        if (kFloatShift) v = static_cast<P>(static_cast<float>(src[r * ld + c0 + c]) - shift_f[c0 + c]);
        else v = static_cast<P>(static_cast<double>(src[r * ld + c0 + c]) - shift[c0 + c]);
        d[r * W + c] = v;
        part[c0 + c] += static_cast<double>(v);
      }
    }
  }
}

#ifdef COVLASSO_X86_SIMD
// The same with AVX-512 vectors (the operations per element are the same, so is the result).
// Packing reads X (from L3, just after check_finite read it) and writes the panel: measured on
// the Xeon (perf, 100000×1000 float32, one thread) ~10% of the float32 kernel's time vectorised
// one row at a time, ~20% scalar.
template <typename T, typename P, int64_t W, bool kFloatShift>
__attribute__((target("avx512f"))) void full_strips_rows_avx512(const T* src, int64_t ld, int64_t g,
                                                                const double* shift,
                                                                const float* shift_f, int64_t full,
                                                                P* d, int64_t stride, double* part) {
  for (int64_t c0 = 0; c0 < full; c0 += W, d += stride) {
    if constexpr (sizeof(P) == 8) {  // float64 strips of 8
      const __m512d sh = _mm512_loadu_pd(shift + c0);
      __m512d sum = _mm512_loadu_pd(part + c0);
      for (int64_t r = 0; r < g; ++r) {
        __m512d x;
        if constexpr (sizeof(T) == 4) x = _mm512_cvtps_pd(_mm256_loadu_ps(reinterpret_cast<const float*>(src) + r * ld + c0));
        else x = _mm512_loadu_pd(reinterpret_cast<const double*>(src) + r * ld + c0);
        const __m512d v = _mm512_sub_pd(x, sh);
        _mm512_store_pd(reinterpret_cast<double*>(d) + r * W, v);
        sum = _mm512_add_pd(sum, v);
      }
      _mm512_storeu_pd(part + c0, sum);
    } else {  // float32 strips of 16 (float32 input)
      __m512d sum_lo = _mm512_loadu_pd(part + c0), sum_hi = _mm512_loadu_pd(part + c0 + 8);
      for (int64_t r = 0; r < g; ++r) {
        const float* s = reinterpret_cast<const float*>(src) + r * ld + c0;
        float* df = reinterpret_cast<float*>(d) + r * W;
        __m256 lo, hi;
        if constexpr (kFloatShift) {
          const __m512 v = _mm512_sub_ps(_mm512_loadu_ps(s), _mm512_loadu_ps(shift_f + c0));
          _mm512_store_ps(df, v);
          lo = _mm512_castps512_ps256(v);
          hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
        } else {
          lo = _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(s)), _mm512_loadu_pd(shift + c0)));
          hi = _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(s + 8)), _mm512_loadu_pd(shift + c0 + 8)));
          _mm256_store_ps(df, lo);
          _mm256_store_ps(df + 8, hi);
        }
        sum_lo = _mm512_add_pd(sum_lo, _mm512_cvtps_pd(lo));
        sum_hi = _mm512_add_pd(sum_hi, _mm512_cvtps_pd(hi));
      }
      _mm512_storeu_pd(part + c0, sum_lo);
      _mm512_storeu_pd(part + c0 + 8, sum_hi);
    }
  }
}
#endif

// Rows [rb, re) of the block starting at row r0 of m into the panel (strips of k rows), their
// column sums into part (m.cols values, overwritten).
template <typename T, typename P, int64_t W, bool kFloatShift>
void pack_rows(bool wide, const MatrixView& m, int64_t r0, int64_t k, const double* shift,
               const float* shift_f, int64_t rb, int64_t re, P* panel, double* part) {
  const T* data = static_cast<const T*>(m.data);
  const int64_t cols = m.cols, full = (cols / W) * W;  // columns in full strips
  auto rows = full_strips_rows<T, P, W, kFloatShift>;
#ifdef COVLASSO_X86_SIMD
  if (wide) rows = full_strips_rows_avx512<T, P, W, kFloatShift>;
#else
  (void)wide;
#endif
  std::fill(part, part + cols, 0.0);
  for (int64_t r = rb; r < re; r += kPackGroupRows) {
    const int64_t g = std::min(kPackGroupRows, re - r);
    rows(data + (r0 + r) * cols, cols, g, shift, shift_f, full, panel + r * W, k * W, part);
  }
  if (full == cols) return;
  for (int64_t r = rb; r < re; ++r) {  // the ragged last strip, zero-padded
    const T* src = data + (r0 + r) * cols;
    P* d = panel + (full / W) * k * W + r * W;
    for (int64_t c = full; c < cols; ++c) {
      const P v = static_cast<P>(static_cast<double>(src[c]) - shift[c]);
      d[c - full] = v;
      part[c] += static_cast<double>(v);
    }
    for (int64_t c = cols - full; c < W; ++c) d[c] = P(0);
  }
}

}  // namespace

void pack_block_f32(const MatrixView& m, int64_t r0, int64_t k, const double* shift, float* panel,
                    double* sums, int threads, PackWorkspace& ws) {
  const bool float_shift = float32_shifts(shift, m.cols, ws.shift_f);
  const float* shf = ws.shift_f.data();
  const bool wide = is_avx512(select_kernel_path());
  pack_tasks(m.cols, k, sums, threads, ws, [&](int64_t rb, int64_t re, double* part) {
    if (float_shift) pack_rows<float, float, kStripWidth32, true>(wide, m, r0, k, shift, shf, rb, re, panel, part);
    else pack_rows<float, float, kStripWidth32, false>(wide, m, r0, k, shift, shf, rb, re, panel, part);
  });
}

void pack_block(const MatrixView& m, int64_t r0, int64_t k, const double* shift, double* panel,
                double* sums, int threads, PackWorkspace& ws) {
  const bool wide = is_avx512(select_kernel_path());
  pack_tasks(m.cols, k, sums, threads, ws, [&](int64_t rb, int64_t re, double* part) {
    if (m.dtype == DType::F32) pack_rows<float, double, kStripWidth, false>(wide, m, r0, k, shift, nullptr, rb, re, panel, part);
    else pack_rows<double, double, kStripWidth, false>(wide, m, r0, k, shift, nullptr, rb, re, panel, part);
  });
}

}  // namespace detail
}  // namespace covlasso
