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

#endif  // COVLASSO_X86_SIMD

}  // namespace detail
}  // namespace covlasso
