// Internal to the gram_kernel*.cpp files: the guard for the x86 SIMD paths and the strip
// micro-kernels that strip_kernels() and strip_kernels_f32() hand out (gram_kernel.hpp documents
// the strip layouts and what each kernel computes; gram_kernel_strips.cpp defines the one-strip
// kernels, gram_kernel_2port.cpp the pair kernels for CPUs with two FMA pipes).
#pragma once

#include <cstdint>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define COVLASSO_X86_SIMD 1
#include <immintrin.h>
#endif

namespace covlasso {
namespace detail {

// float64 strips (StripKernel).
void strip_product_portable(const double* a, const double* b, int64_t k, double* c, int64_t ldc);
// float32 strips (StripKernel32).
void strip32_product_portable(const float* a, const float* b, int64_t k, double* c, int64_t ldc);

#ifdef COVLASSO_X86_SIMD
// The declarations carry the same target attributes as the definitions: with different ones,
// GCC would take them for versions of one multi-versioned function.
__attribute__((target("avx2,fma"))) void strip_product_avx2(const double* a, const double* b,
                                                             int64_t k, double* c, int64_t ldc);
__attribute__((target("avx512f"))) void strip_product_avx512(const double* a, const double* b,
                                                             int64_t k, double* c, int64_t ldc);
__attribute__((target("avx2,fma"))) void strip32_product_avx2(const float* a, const float* b,
                                                               int64_t k, double* c, int64_t ldc);
__attribute__((target("avx512f"))) void strip32_product_avx512(const float* a, const float* b,
                                                               int64_t k, double* c, int64_t ldc);
// Pair kernels (StripPairKernel, StripPairKernel32), AVX-512, blocked for two FMA pipes.
__attribute__((target("avx512f"))) void strip_pair_avx512(const double* a, const double* b0,
                                                          const double* b1, int64_t k, double* c,
                                                          int64_t ldc);
__attribute__((target("avx512f"))) void strip32_pair_avx512(const float* a, const float* b0,
                                                            const float* b1, int64_t k, double* c,
                                                            int64_t ldc);

// c[0..16) += double(v[0..16)): how every AVX-512 float32 kernel adds a partial tile row to c.
__attribute__((target("avx512f"))) inline void add_store_ps512(double* c, __m512 v) {
  const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  _mm512_storeu_pd(c, _mm512_add_pd(_mm512_loadu_pd(c), lo));
  _mm512_storeu_pd(c + 8, _mm512_add_pd(_mm512_loadu_pd(c + 8), hi));
}
#endif

}  // namespace detail
}  // namespace covlasso
