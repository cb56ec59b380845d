// Covariance kernels. The plan, from the numbers (issue #3; details in bench/RESULTS.md):
//
// Work: the symmetric product XᵀX of X (N×C) is N·C²/2 multiply-adds = N·C² flops. For
// 100000×1000 that is 1e11 flops; numpy float32 (OpenBLAS syrk) needs ~0.6 s for it here.
// Ceiling, measured with a 12-chain FMA loop on this 2-core Zen 4 (one 512-bit FMA per cycle per
// core, ~3.6 GHz): float32 116 GFLOP/s per core, 224 for both; float64 58 / 112. numpy reaches
// ~170 GFLOP/s in float32 (75% of peak), so 1.25× numpy needs ≥ 135 GFLOP/s (60% of peak).
//
// Predictions written before timing, then measured (single core, kernel alone on cached strips):
//  - float64 8×8 AVX-512 kernel: 8 FMAs per row per 64-byte load → ~100% of the float64 peak;
//    overall the float64 path runs at 2× the float32 cost: ≥ 2× slower than numpy float32.
//    Measured: 58.4 GFLOP/s (100%).
//  - float32 16×16 AVX-512 kernel (16 zmm accumulators, broadcasts folded into the FMAs): per row
//    16 FMAs + 1 load → the FMA port is the limit; the flush of the float32 partial into float64
//    (32 conversions, 32 loads, 32 adds, 32 stores ≈ 100 cycles) every kKc rows costs
//    ~100 / (16·kKc): 10% at kKc = 64, 5% at 128, 2.5% at 256. Predicted 105 / 110 / 113;
//    measured 109.5 / 113.6 / 115.9 GFLOP/s. kKc = 64 was chosen for accuracy (see below).
//  - whole covariance(): + packing (one read of X, one write of the panel, ~10% of the kernel
//    time before the rows-outer AVX-512 packing, ~5% after), + the finiteness check (one read of
//    X, ~2%), + padding to 16 columns and full 16×16 diagonal blocks (~3% at C = 1000), + the
//    end-of-block imbalance between threads (≤ 1 tile of ~36, ~3%): predicted ~80% of peak,
//    ~175 GFLOP/s on two idle cores, i.e. ~1.0× numpy float32.
//
// Accuracy of float32 products: each kKc-row float32 partial has a worst-case error of about
// kKc·2⁻²⁴ of Σ|products| (plus 2⁻²⁴ per element for rounding x − shift); with round-to-nearest
// the typical error is ~√kKc·2⁻²⁴ and partials' errors average out over N/kKc blocks. The shift is
// the float32-rounded mean of the first rows (moments.cpp), so Σ|products| ≈ N·S even when the
// logits sit at 1e3 or 1e6. Measured (test/native/moments_test.cpp): ≤ 1e-7 of max|S| on normal
// and real (cjk1000) logits, ~6e-7 with one 100σ outlier row among 3000, which dominates its
// partial sum — the case that set kKc = 64 rather than 128 (9.7e-7 there).
//
#include "gram_kernel.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "thread_pool.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define COVLASSO_X86_SIMD 1
#include <immintrin.h>
#endif

namespace covlasso {
namespace detail {

namespace {

// Portable kernel: two passes of a 4×8 register tile (32 accumulators). Every accumulator is
// an independent sum over r in increasing order, so auto-vectorisation by the compiler cannot
// change the result; it stays the same on every machine that does not contract a*b+c.
void strip_product_portable(const double* a, const double* b, int64_t k, double* c, int64_t ldc) {
  for (int h = 0; h < 8; h += 4) {
    double acc[4][8] = {};
    for (int64_t r = 0; r < k; ++r) {
      const double* ar = a + r * 8 + h;
      const double* br = b + r * 8;
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) {
        const double ai = ar[i];
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) acc[i][j] += ai * br[j];
      }
    }
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 8; ++j) c[(h + i) * ldc + j] += acc[i][j];
    }
  }
}

// Portable float32 kernel: per chunk of kKc rows, four passes of a 4×16 float tile (separate
// multiply and add), each partial converted to double and added to c.
void strip32_product_portable(const float* a, const float* b, int64_t k, double* c, int64_t ldc) {
  for (int64_t r0 = 0; r0 < k; r0 += kKc) {
    const int64_t r1 = std::min(k, r0 + kKc);
    for (int h = 0; h < 16; h += 4) {
      float acc[4][16] = {};
      for (int64_t r = r0; r < r1; ++r) {
        const float* ar = a + r * 16 + h;
        const float* br = b + r * 16;
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
          const float ai = ar[i];
#pragma GCC unroll 16
          for (int j = 0; j < 16; ++j) acc[i][j] += ai * br[j];
        }
      }
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 16; ++j) c[(h + i) * ldc + j] += static_cast<double>(acc[i][j]);
      }
    }
  }
}

#ifdef COVLASSO_X86_SIMD

__attribute__((target("avx2,fma"))) inline void add_store(double* c, __m256d lo, __m256d hi) {
  _mm256_storeu_pd(c, _mm256_add_pd(_mm256_loadu_pd(c), lo));
  _mm256_storeu_pd(c + 4, _mm256_add_pd(_mm256_loadu_pd(c + 4), hi));
}

// AVX2+FMA: a 4×8 tile in 8 ymm accumulators (of 16 registers), two passes per strip pair.
// Per row: 2 loads of b, 4 broadcasts of a, 8 FMAs, which keeps both FMA pipes busy.
__attribute__((target("avx2,fma"))) void strip_product_avx2(const double* a, const double* b,
                                                             int64_t k, double* c, int64_t ldc) {
  for (int h = 0; h < 8; h += 4) {
    __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
    __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
    __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
    __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
    const double* ap = a + h;
    for (int64_t r = 0; r < k; ++r) {
      const __m256d b0 = _mm256_loadu_pd(b + r * 8);
      const __m256d b1 = _mm256_loadu_pd(b + r * 8 + 4);
      __m256d x = _mm256_broadcast_sd(ap + r * 8 + 0);
      c00 = _mm256_fmadd_pd(x, b0, c00);
      c01 = _mm256_fmadd_pd(x, b1, c01);
      x = _mm256_broadcast_sd(ap + r * 8 + 1);
      c10 = _mm256_fmadd_pd(x, b0, c10);
      c11 = _mm256_fmadd_pd(x, b1, c11);
      x = _mm256_broadcast_sd(ap + r * 8 + 2);
      c20 = _mm256_fmadd_pd(x, b0, c20);
      c21 = _mm256_fmadd_pd(x, b1, c21);
      x = _mm256_broadcast_sd(ap + r * 8 + 3);
      c30 = _mm256_fmadd_pd(x, b0, c30);
      c31 = _mm256_fmadd_pd(x, b1, c31);
    }
    double* cp = c + h * ldc;
    add_store(cp, c00, c01);
    add_store(cp + ldc, c10, c11);
    add_store(cp + 2 * ldc, c20, c21);
    add_store(cp + 3 * ldc, c30, c31);
  }
}

// AVX-512: the whole 8×8 tile in 8 zmm accumulators, one pass; the broadcasts fold into the
// FMAs as memory operands. Same operations in the same order as the AVX2 kernel.
__attribute__((target("avx512f"))) void strip_product_avx512(const double* a, const double* b,
                                                             int64_t k, double* c, int64_t ldc) {
  // Named accumulators: at -O2 an array of __m512d would live in memory, not in registers.
  __m512d c0 = _mm512_setzero_pd(), c1 = _mm512_setzero_pd(), c2 = _mm512_setzero_pd();
  __m512d c3 = _mm512_setzero_pd(), c4 = _mm512_setzero_pd(), c5 = _mm512_setzero_pd();
  __m512d c6 = _mm512_setzero_pd(), c7 = _mm512_setzero_pd();
  for (int64_t r = 0; r < k; ++r) {
    const __m512d bv = _mm512_loadu_pd(b + r * 8);
    const double* ar = a + r * 8;
    c0 = _mm512_fmadd_pd(_mm512_set1_pd(ar[0]), bv, c0);
    c1 = _mm512_fmadd_pd(_mm512_set1_pd(ar[1]), bv, c1);
    c2 = _mm512_fmadd_pd(_mm512_set1_pd(ar[2]), bv, c2);
    c3 = _mm512_fmadd_pd(_mm512_set1_pd(ar[3]), bv, c3);
    c4 = _mm512_fmadd_pd(_mm512_set1_pd(ar[4]), bv, c4);
    c5 = _mm512_fmadd_pd(_mm512_set1_pd(ar[5]), bv, c5);
    c6 = _mm512_fmadd_pd(_mm512_set1_pd(ar[6]), bv, c6);
    c7 = _mm512_fmadd_pd(_mm512_set1_pd(ar[7]), bv, c7);
  }
  const __m512d acc[8] = {c0, c1, c2, c3, c4, c5, c6, c7};
  for (int i = 0; i < 8; ++i) {
    _mm512_storeu_pd(c + i * ldc, _mm512_add_pd(_mm512_loadu_pd(c + i * ldc), acc[i]));
  }
}

// ---- float32 products ----

// c[0..8) += double(v[0..8)).
__attribute__((target("avx2,fma"))) inline void add_store_ps(double* c, __m256 v) {
  const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  _mm256_storeu_pd(c, _mm256_add_pd(_mm256_loadu_pd(c), lo));
  _mm256_storeu_pd(c + 4, _mm256_add_pd(_mm256_loadu_pd(c + 4), hi));
}

// AVX2+FMA float32: per chunk, four passes of a 4×16 tile in 8 ymm accumulators; per row 2
// loads of b, 4 broadcasts of a, 8 FMAs. Every float32 partial is the same chain of FMAs as in
// the AVX-512 kernel, and it is added to c the same way, so the two agree bitwise.
__attribute__((target("avx2,fma"))) void strip32_product_avx2(const float* a, const float* b,
                                                               int64_t k, double* c, int64_t ldc) {
  for (int64_t r0 = 0; r0 < k; r0 += kKc) {
    const int64_t r1 = std::min(k, r0 + kKc);
    for (int h = 0; h < 16; h += 4) {
      __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
      __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
      __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
      __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
      const float* ap = a + h;
      for (int64_t r = r0; r < r1; ++r) {
        const __m256 b0 = _mm256_loadu_ps(b + r * 16);
        const __m256 b1 = _mm256_loadu_ps(b + r * 16 + 8);
        __m256 x = _mm256_broadcast_ss(ap + r * 16 + 0);
        c00 = _mm256_fmadd_ps(x, b0, c00);
        c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(ap + r * 16 + 1);
        c10 = _mm256_fmadd_ps(x, b0, c10);
        c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(ap + r * 16 + 2);
        c20 = _mm256_fmadd_ps(x, b0, c20);
        c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(ap + r * 16 + 3);
        c30 = _mm256_fmadd_ps(x, b0, c30);
        c31 = _mm256_fmadd_ps(x, b1, c31);
      }
      double* cp = c + h * ldc;
      add_store_ps(cp, c00);
      add_store_ps(cp + 8, c01);
      add_store_ps(cp + ldc, c10);
      add_store_ps(cp + ldc + 8, c11);
      add_store_ps(cp + 2 * ldc, c20);
      add_store_ps(cp + 2 * ldc + 8, c21);
      add_store_ps(cp + 3 * ldc, c30);
      add_store_ps(cp + 3 * ldc + 8, c31);
    }
  }
}

// c[0..16) += double(v[0..16)).
__attribute__((target("avx512f"))) inline void add_store_ps512(double* c, __m512 v) {
  const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  _mm512_storeu_pd(c, _mm512_add_pd(_mm512_loadu_pd(c), lo));
  _mm512_storeu_pd(c + 8, _mm512_add_pd(_mm512_loadu_pd(c + 8), hi));
}

// AVX-512 float32: the whole 16×16 tile in 16 zmm accumulators; per row one 64-byte load of b
// and 16 FMAs whose broadcast of a[r][i] folds into the instruction as a memory operand.
__attribute__((target("avx512f"))) void strip32_product_avx512(const float* a, const float* b,
                                                               int64_t k, double* c, int64_t ldc) {
  for (int64_t r0 = 0; r0 < k; r0 += kKc) {
    const int64_t r1 = std::min(k, r0 + kKc);
#define COVLASSO_EACH16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define COVLASSO_DECL(i) __m512 c##i = _mm512_setzero_ps();
#define COVLASSO_FMA(i) c##i = _mm512_fmadd_ps(_mm512_set1_ps(ar[i]), bv, c##i);
#define COVLASSO_FLUSH(i) add_store_ps512(c + (i) * ldc, c##i);
    COVLASSO_EACH16(COVLASSO_DECL)
    for (int64_t r = r0; r < r1; ++r) {
      const __m512 bv = _mm512_loadu_ps(b + r * 16);
      const float* ar = a + r * 16;
      COVLASSO_EACH16(COVLASSO_FMA)
    }
    COVLASSO_EACH16(COVLASSO_FLUSH)
#undef COVLASSO_FLUSH
#undef COVLASSO_FMA
#undef COVLASSO_DECL
#undef COVLASSO_EACH16
  }
}

bool cpu_has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

#endif  // COVLASSO_X86_SIMD

// Packing. Rows outer, strips inner: each row of the source is read contiguously (the group's
// columns), and every strip of the group receives one W-wide row. Column sums are formed per
// column in increasing row order, so the result does not depend on how the loop vectorises.
// The body is always_inline so that the AVX-512 wrapper below compiles it with 512-bit vectors.
// P: packed type. For float32 input with float32-representable shifts (the usual case: the
// shift is rounded to the input's dtype), x − k is formed in float32, which is the correctly
// rounded exact difference, the same as forming it in float64 and rounding.
constexpr int64_t kMaxGroupCols = 128;

template <typename T, typename P, int64_t W, bool kFloatShift>
inline __attribute__((always_inline)) void pack_rows(const MatrixView& m, int64_t r0, int64_t k,
                                                     const double* shift, int64_t s0, int64_t s1,
                                                     P* panel, double* sums) {
  const T* data = static_cast<const T*>(m.data);
  const int64_t c_begin = s0 * W, c_end = std::min(m.cols, s1 * W), n = c_end - c_begin;
  const int64_t full = (n / W) * W;  // columns in full strips
  double part[kMaxGroupCols] = {};
  double sh[kMaxGroupCols] = {};
  float shf[kMaxGroupCols] = {};
  for (int64_t c = 0; c < n; ++c) sh[c] = shift[c_begin + c], shf[c] = static_cast<float>(sh[c]);
  for (int64_t r = 0; r < k; ++r) {
    const T* src = data + (r0 + r) * m.cols + c_begin;
    P* dst = panel + s0 * k * W + r * W;
    for (int64_t c0 = 0; c0 < full; c0 += W) {
      P* d = dst + (c0 / W) * k * W;
#pragma GCC unroll 16
      for (int64_t c = 0; c < W; ++c) {
        P v;
        if (kFloatShift) v = static_cast<P>(static_cast<float>(src[c0 + c]) - shf[c0 + c]);
        else v = static_cast<P>(static_cast<double>(src[c0 + c]) - sh[c0 + c]);
        d[c] = v;
        part[c0 + c] += static_cast<double>(v);
      }
    }
    if (full < n) {  // the ragged last strip, zero-padded
      P* d = dst + (full / W) * k * W;
      for (int64_t c = full; c < n; ++c) {
        const P v = static_cast<P>(static_cast<double>(src[c]) - sh[c]);
        d[c - full] = v;
        part[c] += static_cast<double>(v);
      }
      for (int64_t c = n - full; c < W; ++c) d[c] = P(0);
    }
  }
  for (int64_t c = 0; c < n; ++c) sums[c_begin + c] += part[c];
}

template <typename T, typename P, int64_t W, bool kFloatShift>
void pack_rows_generic(const MatrixView& m, int64_t r0, int64_t k, const double* shift,
                       int64_t s0, int64_t s1, P* panel, double* sums) {
  pack_rows<T, P, W, kFloatShift>(m, r0, k, shift, s0, s1, panel, sums);
}

#ifdef COVLASSO_X86_SIMD
template <typename T, typename P, int64_t W, bool kFloatShift>
__attribute__((target("avx512f"))) void pack_rows_avx512(const MatrixView& m, int64_t r0,
                                                         int64_t k, const double* shift,
                                                         int64_t s0, int64_t s1, P* panel,
                                                         double* sums) {
  pack_rows<T, P, W, kFloatShift>(m, r0, k, shift, s0, s1, panel, sums);
}
#endif

template <typename T, typename P, int64_t W, bool kFloatShift>
void pack_group(bool wide, const MatrixView& m, int64_t r0, int64_t k, const double* shift,
                int64_t s0, int64_t s1, P* panel, double* sums) {
#ifdef COVLASSO_X86_SIMD
  if (wide) return pack_rows_avx512<T, P, W, kFloatShift>(m, r0, k, shift, s0, s1, panel, sums);
#else
  (void)wide;
#endif
  pack_rows_generic<T, P, W, kFloatShift>(m, r0, k, shift, s0, s1, panel, sums);
}

}  // namespace

void pack_block_f32(const MatrixView& m, int64_t r0, int64_t k, const double* shift, float* panel,
                    double* sums, int threads) {
  const int64_t strips = strips32_for(m.cols);
  const int64_t group = kMaxGroupCols / kStripWidth32;  // strips per packing task
  const int64_t n_tasks = (strips + group - 1) / group;
  if (k * m.cols < (int64_t(1) << 16)) threads = 1;
  bool float_shift = true;
  for (int64_t c = 0; c < m.cols; ++c) {
    float_shift = float_shift && static_cast<double>(static_cast<float>(shift[c])) == shift[c];
  }
  const bool wide = select_kernel_path() == KernelPath::Avx512;
  parallel_for(n_tasks, threads, [&](int64_t t, int) {
    const int64_t s0 = t * group, s1 = std::min(strips, s0 + group);
    if (float_shift) pack_group<float, float, kStripWidth32, true>(wide, m, r0, k, shift, s0, s1, panel, sums);
    else pack_group<float, float, kStripWidth32, false>(wide, m, r0, k, shift, s0, s1, panel, sums);
  });
}

StripKernel32 strip_kernel_f32(KernelPath path) {
#ifdef COVLASSO_X86_SIMD
  if (path == KernelPath::Avx512) return strip32_product_avx512;
  if (path == KernelPath::Avx2Fma) return strip32_product_avx2;
#else
  (void)path;
#endif
  return strip32_product_portable;
}

void pack_block(const MatrixView& m, int64_t r0, int64_t k, const double* shift, double* panel,
                double* sums, int threads) {
  const int64_t strips = strips_for(m.cols);
  const int64_t group = kMaxGroupCols / kStripWidth;  // strips per packing task
  const int64_t n_tasks = (strips + group - 1) / group;
  if (k * m.cols < (int64_t(1) << 16)) threads = 1;  // too little to share out
  const bool wide = select_kernel_path() == KernelPath::Avx512;
  parallel_for(n_tasks, threads, [&](int64_t t, int) {
    const int64_t s0 = t * group, s1 = std::min(strips, s0 + group);
    if (m.dtype == DType::F32) pack_group<float, double, kStripWidth, false>(wide, m, r0, k, shift, s0, s1, panel, sums);
    else pack_group<double, double, kStripWidth, false>(wide, m, r0, k, shift, s0, s1, panel, sums);
  });
}

KernelPath select_kernel_path() {
  const char* env = std::getenv("COVLASSO_SIMD");
  KernelPath cap = KernelPath::Avx512;  // the most the environment allows
  if (env != nullptr && std::strcmp(env, "portable") == 0) cap = KernelPath::Portable;
  if (env != nullptr && std::strcmp(env, "avx2") == 0) cap = KernelPath::Avx2Fma;
#ifdef COVLASSO_X86_SIMD
  if (cap == KernelPath::Avx512 && cpu_has_avx512()) return KernelPath::Avx512;
  if (cap != KernelPath::Portable && cpu_has_avx2_fma()) return KernelPath::Avx2Fma;
#else
  (void)cap;
#endif
  return KernelPath::Portable;
}

StripKernel strip_kernel(KernelPath path) {
#ifdef COVLASSO_X86_SIMD
  if (path == KernelPath::Avx512) return strip_product_avx512;
  if (path == KernelPath::Avx2Fma) return strip_product_avx2;
#else
  (void)path;
#endif
  return strip_product_portable;
}

const char* kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::Portable: return "portable";
    case KernelPath::Avx2Fma: return "avx2+fma";
    case KernelPath::Avx512: return "avx512";
  }
  return "portable";
}

}  // namespace detail
}  // namespace covlasso
