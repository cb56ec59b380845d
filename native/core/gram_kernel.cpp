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

bool cpu_has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

#endif  // COVLASSO_X86_SIMD

// Packs rows [r0, r0+k) of strips [s0, s1) of m, minus shift, into panel (layout in
// gram_kernel.hpp), and adds the column sums of the packed values to sums.
template <typename T>
void pack_strips(const MatrixView& m, int64_t r0, int64_t k, const double* shift, int64_t s0,
                 int64_t s1, double* panel, double* sums) {
  const T* data = static_cast<const T*>(m.data);
  for (int64_t s = s0; s < s1; ++s) {
    const int64_t c0 = s * kStripWidth;
    const int64_t w = std::min(kStripWidth, m.cols - c0);
    double* out = panel + s * k * kStripWidth;
    double part[kStripWidth] = {};
    if (w == kStripWidth) {  // full strip: fixed trip counts, which the compiler vectorises
      for (int64_t r = 0; r < k; ++r) {
        const T* src = data + (r0 + r) * m.cols + c0;
        double* dst = out + r * kStripWidth;
        for (int64_t c = 0; c < kStripWidth; ++c) {
          dst[c] = static_cast<double>(src[c]) - shift[c0 + c];
          part[c] += dst[c];
        }
      }
    } else {
      for (int64_t r = 0; r < k; ++r) {
        const T* src = data + (r0 + r) * m.cols + c0;
        double* dst = out + r * kStripWidth;
        for (int64_t c = 0; c < w; ++c) {
          dst[c] = static_cast<double>(src[c]) - shift[c0 + c];
          part[c] += dst[c];
        }
        for (int64_t c = w; c < kStripWidth; ++c) dst[c] = 0.0;
      }
    }
    for (int64_t c = 0; c < w; ++c) sums[c0 + c] += part[c];
  }
}

}  // namespace

void pack_block(const MatrixView& m, int64_t r0, int64_t k, const double* shift, double* panel,
                double* sums, int threads) {
  const int64_t strips = strips_for(m.cols);
  const int64_t group = 8;  // strips per packing task
  const int64_t n_tasks = (strips + group - 1) / group;
  if (k * m.cols < (int64_t(1) << 16)) threads = 1;  // too little to share out
  parallel_for(n_tasks, threads, [&](int64_t t, int) {
    const int64_t s0 = t * group, s1 = std::min(strips, s0 + group);
    if (m.dtype == DType::F32) pack_strips<float>(m, r0, k, shift, s0, s1, panel, sums);
    else pack_strips<double>(m, r0, k, shift, s0, s1, panel, sums);
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
