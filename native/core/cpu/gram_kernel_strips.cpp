// The one-strip micro-kernels (declared in gram_kernel_impl.hpp): float64 and float32 products,
// each portable, AVX2+FMA and AVX-512 (blocked for one FMA pipe; gram_kernel_2port.cpp has the
// kernels for two). The dispatch between them is in gram_kernel.cpp.
#include "gram_kernel_impl.hpp"

#include <algorithm>

#include "gram_kernel.hpp"

namespace covlasso {
namespace detail {

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

// Portable float32 kernel: per group, four passes of a 4×16 float tile (separate multiply and
// add) over each chunk, the chunk partials added in float32, the group sum converted to double
// and added to c.
void strip32_product_portable(const float* a, const float* b, int64_t k, double* c, int64_t ldc) {
  for (Spans g(0, k, kGroupRows); g.next();) {
    for (int h = 0; h < 16; h += 4) {
      float sum[4][16];
      for (Spans ch(g.r0, g.r1, kKc); ch.next();) {
        float acc[4][16] = {};
        for (int64_t r = ch.r0; r < ch.r1; ++r) {
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
          for (int j = 0; j < 16; ++j) sum[i][j] = ch.first() ? acc[i][j] : sum[i][j] + acc[i][j];
        }
      }
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 16; ++j) c[(h + i) * ldc + j] += static_cast<double>(sum[i][j]);
      }
    }
  }
}

#ifdef COVLASSO_X86_SIMD

namespace {

__attribute__((target("avx2,fma"))) inline void add_store(double* c, __m256d lo, __m256d hi) {
  _mm256_storeu_pd(c, _mm256_add_pd(_mm256_loadu_pd(c), lo));
  _mm256_storeu_pd(c + 4, _mm256_add_pd(_mm256_loadu_pd(c + 4), hi));
}

// c[0..8) += double(v[0..8)).
__attribute__((target("avx2,fma"))) inline void add_store_ps(double* c, __m256 v) {
  const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  _mm256_storeu_pd(c, _mm256_add_pd(_mm256_loadu_pd(c), lo));
  _mm256_storeu_pd(c + 4, _mm256_add_pd(_mm256_loadu_pd(c + 4), hi));
}

}  // namespace

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

// AVX2+FMA float32: per group, four passes of a 4×16 tile in 8 ymm accumulators over each
// chunk (per row 2 loads of b, 4 broadcasts of a, 8 FMAs), the partials added into a float32
// group sum in memory. Every float32 partial is the same chain of FMAs as in the AVX-512
// kernels, and partials and group sums are added the same way, so they agree bitwise.
__attribute__((target("avx2,fma"))) void strip32_product_avx2(const float* a, const float* b,
                                                               int64_t k, double* c, int64_t ldc) {
  alignas(32) float sum[4 * 16];
  for (Spans g(0, k, kGroupRows); g.next();) {
    for (int h = 0; h < 16; h += 4) {
      for (Spans ch(g.r0, g.r1, kKc); ch.next();) {
        __m256 acc[8];  // [i][half]: row h + i of c, columns 8·half..8·half + 8
        __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
        __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
        __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
        __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
        const float* ap = a + h;
        for (int64_t r = ch.r0; r < ch.r1; ++r) {
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
        acc[0] = c00, acc[1] = c01, acc[2] = c10, acc[3] = c11;
        acc[4] = c20, acc[5] = c21, acc[6] = c30, acc[7] = c31;
        for (int v = 0; v < 8; ++v) {
          __m256 t = acc[v];
          if (!ch.first()) t = _mm256_add_ps(_mm256_load_ps(sum + 8 * v), t);
          if (!ch.last()) _mm256_store_ps(sum + 8 * v, t);
          else add_store_ps(c + (h + v / 2) * ldc + 8 * (v % 2), t);
        }
      }
    }
  }
}

// AVX-512 float32: the whole 16×16 tile in 16 zmm accumulators; per row one 64-byte load of b
// and 16 FMAs whose broadcast of a[r][i] folds into the instruction as a memory operand; chunk
// partials added into a float32 group sum (add_partial_ps512).
__attribute__((target("avx512f"))) void strip32_product_avx512(const float* a, const float* b,
                                                               int64_t k, double* c, int64_t ldc) {
  alignas(64) float sum[16 * 16];
  for (Spans g(0, k, kGroupRows); g.next();) {
    for (Spans ch(g.r0, g.r1, kKc); ch.next();) {
#define COVLASSO_EACH16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define COVLASSO_DECL(i) __m512 c##i = _mm512_setzero_ps();
#define COVLASSO_FMA(i) c##i = _mm512_fmadd_ps(_mm512_set1_ps(ar[i]), bv, c##i);
#define COVLASSO_ADD(i) add_partial_ps512(c##i, sum + 16 * (i), ch.first(), ch.last(), c + (i) * ldc);
      COVLASSO_EACH16(COVLASSO_DECL)
      for (int64_t r = ch.r0; r < ch.r1; ++r) {
        const __m512 bv = _mm512_loadu_ps(b + r * 16);
        const float* ar = a + r * 16;
        COVLASSO_EACH16(COVLASSO_FMA)
      }
      COVLASSO_EACH16(COVLASSO_ADD)
#undef COVLASSO_ADD
#undef COVLASSO_FMA
#undef COVLASSO_DECL
#undef COVLASSO_EACH16
    }
  }
}

#endif  // COVLASSO_X86_SIMD

}  // namespace detail
}  // namespace covlasso
