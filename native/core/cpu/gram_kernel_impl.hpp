// Internal to the gram_kernel*.cpp files: the guard for the x86 SIMD paths and the strip
// micro-kernels that strip_kernels() and strip_kernels_f32() hand out (gram_kernel.hpp documents
// the strip layouts and what each kernel computes; gram_kernel_strips.cpp defines the one-strip
// kernels, gram_kernel_2port.cpp the pair kernels for CPUs with two FMA pipes).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gram_kernel.hpp"
#include "thread_pool.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define COVLASSO_X86_SIMD 1
#include <immintrin.h>
#endif

namespace covlasso {
namespace detail {

// Consecutive spans of `step` rows of [begin, end) (the last one shorter):
// for (Spans s(begin, end, step); s.next();) sees s.r0, s.r1, s.first(), s.last(). The float32
// kernels walk groups of kGroupRows and, in each, chunks of kKc rows with it.
struct Spans {
  Spans(int64_t begin, int64_t end, int64_t step) : r0(begin), r1(begin), begin_(begin), end_(end), step_(step) {}
  bool next() {
    r0 = r1;
    r1 = std::min(end_, r0 + step_);
    return r0 < end_;
  }
  bool first() const { return r0 == begin_; }
  bool last() const { return r1 == end_; }
  int64_t r0, r1;

 private:
  int64_t begin_, end_, step_;
};

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

// One row of a chunk partial (gram_kernel.hpp): added to the group sum kept at sum (unless it is
// the group's first chunk), and, at the group's last chunk, the group sum added to c in float64
// instead of stored.
__attribute__((target("avx512f"))) inline void add_partial_ps512(__m512 v, float* sum, bool first,
                                                                 bool last, double* c) {
  if (!first) v = _mm512_add_ps(_mm512_load_ps(sum), v);
  if (last) add_store_ps512(c, v);
  else _mm512_store_ps(sum, v);
}
#endif

// Fills shift_f with the float32-rounded shifts; true when every shift is exactly a float32
// (the usual case: shifts are rounded to the input's dtype), so x − shift can be formed in
// float32 as the correctly rounded exact difference.
inline bool float32_shifts(const double* shift, int64_t cols, std::vector<float>& shift_f) {
  bool exact = true;
  shift_f.resize(cols);
  for (int64_t c = 0; c < cols; ++c) {
    shift_f[c] = static_cast<float>(shift[c]);
    exact = exact && static_cast<double>(shift_f[c]) == shift[c];
  }
  return exact;
}

// Packing in tasks of kPackRows consecutive rows (see gram_kernel_pack.cpp): splits rows [0, rows)
// into tasks, runs pack(rb, re, part) on up to `threads` threads, each with its own `cols`
// partial column sums, then adds those to sums in task order, so that the sums do not depend on
// the thread count.
constexpr int64_t kPackRows = 256;
template <typename PackTask>
void pack_tasks(int64_t cols, int64_t rows, double* sums, int threads, PackWorkspace& ws,
                const PackTask& pack) {
  const int64_t n_tasks = (rows + kPackRows - 1) / kPackRows;
  if (rows * cols < (int64_t(1) << 16)) threads = 1;  // too little to share out
  if (static_cast<int64_t>(ws.partials.size()) < n_tasks * cols) ws.partials.resize(n_tasks * cols);
  parallel_for(n_tasks, threads, [&](int64_t t, int) {
    pack(t * kPackRows, std::min(rows, (t + 1) * kPackRows), ws.partials.data() + t * cols);
  });
  for (int64_t t = 0; t < n_tasks; ++t) {
    const double* part = ws.partials.data() + t * cols;
    for (int64_t c = 0; c < cols; ++c) sums[c] += part[c];
  }
}

}  // namespace detail
}  // namespace covlasso
