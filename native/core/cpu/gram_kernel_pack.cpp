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
constexpr int64_t kPackRows = 256;

// The full strips of one row: d[s·stride + c] = src[s·W + c] − shift, part[s·W + c] += that,
// for columns [0, full). Portable version (GCC keeps it scalar: it cannot prove that source,
// panel and sums do not overlap).
template <typename T, typename P, int64_t W, bool kFloatShift>
void full_strips_row(const T* src, const double* shift, const float* shift_f, int64_t full,
                     P* d, int64_t stride, double* part) {
  for (int64_t c0 = 0; c0 < full; c0 += W, d += stride) {
    for (int64_t c = 0; c < W; ++c) {
      P v;
      if (kFloatShift) v = static_cast<P>(static_cast<float>(src[c0 + c]) - shift_f[c0 + c]);
      else v = static_cast<P>(static_cast<double>(src[c0 + c]) - shift[c0 + c]);
      d[c] = v;
      part[c0 + c] += static_cast<double>(v);
    }
  }
}

#ifdef COVLASSO_X86_SIMD
// The same with AVX-512 vectors (the operations per element are the same, so is the result).
// Packing reads X (from L3, just after check_finite read it) and writes the panel: measured on
// the Xeon (perf, 100000×1000 float32, one thread) ~10% of the float32 kernel's time vectorised,
// ~20% scalar.
template <typename T, typename P, int64_t W, bool kFloatShift>
__attribute__((target("avx512f"))) void full_strips_row_avx512(const T* src, const double* shift,
                                                               const float* shift_f, int64_t full,
                                                               P* d, int64_t stride, double* part) {
  for (int64_t c0 = 0; c0 < full; c0 += W, d += stride) {
    if constexpr (sizeof(P) == 8) {  // float64 strips of 8
      __m512d x;
      if constexpr (sizeof(T) == 4) x = _mm512_cvtps_pd(_mm256_loadu_ps(reinterpret_cast<const float*>(src) + c0));
      else x = _mm512_loadu_pd(reinterpret_cast<const double*>(src) + c0);
      const __m512d v = _mm512_sub_pd(x, _mm512_loadu_pd(shift + c0));
      _mm512_storeu_pd(reinterpret_cast<double*>(d), v);
      _mm512_storeu_pd(part + c0, _mm512_add_pd(_mm512_loadu_pd(part + c0), v));
    } else {  // float32 strips of 16 (float32 input)
      const float* s = reinterpret_cast<const float*>(src) + c0;
      float* df = reinterpret_cast<float*>(d);
      __m256 lo, hi;
      if constexpr (kFloatShift) {
        const __m512 v = _mm512_sub_ps(_mm512_loadu_ps(s), _mm512_loadu_ps(shift_f + c0));
        _mm512_storeu_ps(df, v);
        lo = _mm512_castps512_ps256(v);
        hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
      } else {
        lo = _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(s)), _mm512_loadu_pd(shift + c0)));
        hi = _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(s + 8)), _mm512_loadu_pd(shift + c0 + 8)));
        _mm256_storeu_ps(df, lo);
        _mm256_storeu_ps(df + 8, hi);
      }
      _mm512_storeu_pd(part + c0, _mm512_add_pd(_mm512_loadu_pd(part + c0), _mm512_cvtps_pd(lo)));
      _mm512_storeu_pd(part + c0 + 8, _mm512_add_pd(_mm512_loadu_pd(part + c0 + 8), _mm512_cvtps_pd(hi)));
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
  auto row = full_strips_row<T, P, W, kFloatShift>;
#ifdef COVLASSO_X86_SIMD
  if (wide) row = full_strips_row_avx512<T, P, W, kFloatShift>;
#else
  (void)wide;
#endif
  std::fill(part, part + cols, 0.0);
  for (int64_t r = rb; r < re; ++r) {
    const T* src = data + (r0 + r) * cols;
    P* dst = panel + r * W;
    row(src, shift, shift_f, full, dst, k * W, part);
    if (full < cols) {  // the ragged last strip, zero-padded
      P* d = dst + (full / W) * k * W;
      for (int64_t c = full; c < cols; ++c) {
        const P v = static_cast<P>(static_cast<double>(src[c]) - shift[c]);
        d[c - full] = v;
        part[c] += static_cast<double>(v);
      }
      for (int64_t c = cols - full; c < W; ++c) d[c] = P(0);
    }
  }
}

// Splits the k rows into tasks of kPackRows, runs pack(task's rows, its partial sums) on up to
// `threads` threads, then adds the partial sums to sums in task order.
template <typename PackTask>
void pack_tasks(const MatrixView& m, int64_t k, double* sums, int threads, PackWorkspace& ws,
                const PackTask& pack) {
  const int64_t n_tasks = (k + kPackRows - 1) / kPackRows;
  if (k * m.cols < (int64_t(1) << 16)) threads = 1;  // too little to share out
  if (static_cast<int64_t>(ws.partials.size()) < n_tasks * m.cols) ws.partials.resize(n_tasks * m.cols);
  parallel_for(n_tasks, threads, [&](int64_t t, int) {
    pack(t * kPackRows, std::min(k, (t + 1) * kPackRows), ws.partials.data() + t * m.cols);
  });
  for (int64_t t = 0; t < n_tasks; ++t) {
    const double* part = ws.partials.data() + t * m.cols;
    for (int64_t c = 0; c < m.cols; ++c) sums[c] += part[c];
  }
}

}  // namespace

void pack_block_f32(const MatrixView& m, int64_t r0, int64_t k, const double* shift, float* panel,
                    double* sums, int threads, PackWorkspace& ws) {
  bool float_shift = true;
  ws.shift_f.resize(m.cols);
  for (int64_t c = 0; c < m.cols; ++c) {
    ws.shift_f[c] = static_cast<float>(shift[c]);
    float_shift = float_shift && static_cast<double>(ws.shift_f[c]) == shift[c];
  }
  const float* shf = ws.shift_f.data();
  const bool wide = is_avx512(select_kernel_path());
  pack_tasks(m, k, sums, threads, ws, [&](int64_t rb, int64_t re, double* part) {
    if (float_shift) pack_rows<float, float, kStripWidth32, true>(wide, m, r0, k, shift, shf, rb, re, panel, part);
    else pack_rows<float, float, kStripWidth32, false>(wide, m, r0, k, shift, shf, rb, re, panel, part);
  });
}

void pack_block(const MatrixView& m, int64_t r0, int64_t k, const double* shift, double* panel,
                double* sums, int threads, PackWorkspace& ws) {
  const bool wide = is_avx512(select_kernel_path());
  pack_tasks(m, k, sums, threads, ws, [&](int64_t rb, int64_t re, double* part) {
    if (m.dtype == DType::F32) pack_rows<float, double, kStripWidth, false>(wide, m, r0, k, shift, nullptr, rb, re, panel, part);
    else pack_rows<double, double, kStripWidth, false>(wide, m, r0, k, shift, nullptr, rb, re, panel, part);
  });
}

}  // namespace detail
}  // namespace covlasso
