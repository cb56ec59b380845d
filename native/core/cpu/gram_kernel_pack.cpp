// Packing rows of X (and Y) into strips for the micro-kernels (the layouts are described in
// gram_kernel.hpp): pack_block (float64 strips) and pack_block_f32 (float32 strips).
#include <algorithm>

#include "gram_kernel.hpp"
#include "gram_kernel_impl.hpp"
#include "thread_pool.hpp"

namespace covlasso {
namespace detail {

namespace {

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

}  // namespace detail
}  // namespace covlasso
