// Internal to the gram_kernel*.cpp files: the guard for the x86 SIMD paths and the strip
// micro-kernels that strip_kernel() and strip_kernel_f32() hand out (gram_kernel.hpp documents
// the strip layouts and what each kernel computes; gram_kernel_strips.cpp defines them).
#pragma once

#include <cstdint>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define COVLASSO_X86_SIMD 1
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
#endif

}  // namespace detail
}  // namespace covlasso
