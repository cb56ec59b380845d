// AVX-512 pair kernels for CPUs with two 512-bit FMA pipes (Intel Xeon Skylake-SP Gold and
// later, AMD Zen 5): one left strip times two right strips per call (StripPairKernel*,
// gram_kernel.hpp). Why a second blocking (issue #12; numbers in gram_kernel.cpp):
//
// With two FMA pipes a core retires 2 FMAs per cycle, so the one-strip kernels' loads become the
// limit: the float32 16×16 kernel issues 16 broadcasts + 1 vector load per 16 FMAs (17 loads in
// 8 cycles, more than the 2 loads per cycle a core sustains), the float64 8×8 kernel 9 loads per
// 8 FMAs (4 cycles). Taking two right strips per left value halves the broadcasts per FMA:
//  - float32 8×32: 16 zmm accumulators (8 left values × 2 right vectors), per row 2 vector loads
//    + 8 broadcasts for 16 FMAs (10 loads in 8 cycles). The 16 left values of a strip are done in
//    two halves per 256-row group (the call), whose rows (3 cache lines each) stay in L1.
//  - float64 8×16: 16 zmm accumulators, per row 2 vector loads + 8 broadcasts for 16 FMAs.
// Every element is still the same chain of FMAs over the rows, in the same order, flushed the same
// way (float32: chunks of kKc rows, 4 to a group), so the results are bitwise those of the
// one-strip kernels.
#include <algorithm>

#include "gram_kernel.hpp"
#include "gram_kernel_impl.hpp"

namespace covlasso {
namespace detail {

#ifdef COVLASSO_X86_SIMD

// The vector operations of one element type: V holds one row of a right strip.
struct F64Ops {
  using T = double;
  using V = __m512d;
  static constexpr int kRow = 8;  // values per strip row
  __attribute__((target("avx512f"))) static V zero() { return _mm512_setzero_pd(); }
  __attribute__((target("avx512f"))) static V load(const T* p) { return _mm512_loadu_pd(p); }
  __attribute__((target("avx512f"))) static V fma(T a, V b, V c) { return _mm512_fmadd_pd(_mm512_set1_pd(a), b, c); }
  __attribute__((target("avx512f"))) static void flush(V v, float*, bool, bool, double* c) {
    _mm512_storeu_pd(c, _mm512_add_pd(_mm512_loadu_pd(c), v));
  }
};
struct F32Ops {
  using T = float;
  using V = __m512;
  static constexpr int kRow = 16;
  __attribute__((target("avx512f"))) static V zero() { return _mm512_setzero_ps(); }
  __attribute__((target("avx512f"))) static V load(const T* p) { return _mm512_loadu_ps(p); }
  __attribute__((target("avx512f"))) static V fma(T a, V b, V c) { return _mm512_fmadd_ps(_mm512_set1_ps(a), b, c); }
  __attribute__((target("avx512f"))) static void flush(V v, float* sum, bool first, bool last, double* c) {
    add_partial_ps512(v, sum, first, last, c);
  }
};

// c (8 rows × 2 vectors) += Σ_{r in [r0, r1)} a[r][0..8) × [b0[r] | b1[r]], each sum started from
// zero in increasing r (float32: through the group sum at sum, see add_partial_ps512). Named
// accumulators: at -O2 an array of vectors would live in memory.
#define COVLASSO_EACH8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
template <typename Ops>
__attribute__((target("avx512f"), always_inline)) inline void pair_rows(
    const typename Ops::T* a, const typename Ops::T* b0, const typename Ops::T* b1, int64_t r0,
    int64_t r1, float* sum, bool first, bool last, double* c, int64_t ldc) {
  using V = typename Ops::V;
  constexpr int64_t R = Ops::kRow;
#define COVLASSO_DECL(i) V c##i##0 = Ops::zero(), c##i##1 = Ops::zero();
#define COVLASSO_FMA(i) c##i##0 = Ops::fma(ar[i], v0, c##i##0), c##i##1 = Ops::fma(ar[i], v1, c##i##1);
#define COVLASSO_FLUSH(i)                                                          \
  Ops::flush(c##i##0, sum + (i) * 2 * R, first, last, c + (i) * ldc),             \
      Ops::flush(c##i##1, sum + (i) * 2 * R + R, first, last, c + (i) * ldc + R);
  COVLASSO_EACH8(COVLASSO_DECL)
  for (int64_t r = r0; r < r1; ++r) {
    const V v0 = Ops::load(b0 + r * R), v1 = Ops::load(b1 + r * R);
    const typename Ops::T* ar = a + r * R;
    COVLASSO_EACH8(COVLASSO_FMA)
  }
  COVLASSO_EACH8(COVLASSO_FLUSH)
#undef COVLASSO_FLUSH
#undef COVLASSO_FMA
#undef COVLASSO_DECL
}
#undef COVLASSO_EACH8

// float64: c (8 × 16) += a-strip (8 values a row) × [b0 | b1] (8 + 8 values a row).
__attribute__((target("avx512f"))) void strip_pair_avx512(const double* a, const double* b0,
                                                          const double* b1, int64_t k, double* c,
                                                          int64_t ldc) {
  pair_rows<F64Ops>(a, b0, b1, 0, k, nullptr, true, true, c, ldc);
}

// float32: c (16 × 32) += a-strip (16 values a row) × [b0 | b1] (16 + 16 values a row): per
// group and half of the 16 left values, the chunk partials (16 accumulators) added into a
// float32 group sum and flushed into c as in strip32_product_avx512.
__attribute__((target("avx512f"))) void strip32_pair_avx512(const float* a, const float* b0,
                                                            const float* b1, int64_t k, double* c,
                                                            int64_t ldc) {
  alignas(64) float sum[8 * 32];
  for (Spans g(0, k, kGroupRows); g.next();) {
    for (int h = 0; h < 16; h += 8) {
      for (Spans ch(g.r0, g.r1, kKc); ch.next();) {
        pair_rows<F32Ops>(a + h, b0, b1, ch.r0, ch.r1, sum, ch.first(), ch.last(), c + h * ldc, ldc);
      }
    }
  }
}

#endif  // COVLASSO_X86_SIMD

}  // namespace detail
}  // namespace covlasso
