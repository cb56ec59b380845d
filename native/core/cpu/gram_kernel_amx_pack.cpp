// Packing for the AMX path (layout and arithmetic in gram_kernel_amx.hpp). Per tile step (32
// rows) and strip: form x̃ = x − shift in float32, add it to the column sums, split it into bf16
// parts h, m, l and write each part's pairs of rows as one 64-byte row of the part's B tile (the
// "VNNI" layout); then make the A tiles: the A tile of a part is the 16×16 transpose of its B
// tile read as 32-bit words (B's word [pair][column] holds rows 2·pair and 2·pair + 1 of one
// column, which is what A's row `column` holds at word `pair`), 64 shuffles in registers while
// the B tile is still in L1.
#include "gram_kernel_amx.hpp"

#include "gram_kernel_impl.hpp"

namespace covlasso {
namespace detail {

#ifdef COVLASSO_X86_SIMD

namespace {

constexpr int64_t kTile = 512;  // bf16 elements per tile
constexpr int64_t kStepSize = kAmxStep * kAmxStripRow;

// bf16(x) rounded to nearest even, in the high 16 bits of each lane (low bits zero): the float32
// value of the bf16 part. x is finite (checked before packing).
__attribute__((target("avx512f"))) inline __m512i bf16_hi(__m512 x) {
  const __m512i u = _mm512_castps_si512(x);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  return _mm512_and_si512(r, _mm512_set1_epi32(static_cast<int>(0xffff0000u)));
}

// The exact split x = h + m + l, each part in the high half of its lane.
__attribute__((target("avx512f"))) inline void split3(__m512 x, __m512i part[3]) {
  part[0] = bf16_hi(x);
  const __m512 r1 = _mm512_sub_ps(x, _mm512_castsi512_ps(part[0]));
  part[1] = bf16_hi(r1);
  part[2] = bf16_hi(_mm512_sub_ps(r1, _mm512_castsi512_ps(part[1])));
}

// 16×16 transpose of 32-bit words in r[0..16).
__attribute__((target("avx512f"))) inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  // Now r[4g + c] lane L holds column 4L + c of rows 4g..4g+3; gather the four lanes.
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
  }
}

// Row r (of the block) of strip columns [c0, c0 + 16) minus the shift, zero past the last
// column and for padding rows (r >= k).
__attribute__((target("avx512f"))) inline __m512 shifted_row(const float* row, bool real, int64_t c0,
                                                             __mmask16 mask, const float* shf,
                                                             const double* sh, bool float_shift) {
  if (!real) return _mm512_setzero_ps();
  const __m512 x = _mm512_maskz_loadu_ps(mask, row + c0);
  if (float_shift) return _mm512_sub_ps(x, _mm512_maskz_loadu_ps(mask, shf + c0));
  // x − k in float64, then rounded: the same value as the float32 path packs.
  const __m512d lo = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(x)), _mm512_maskz_loadu_pd(mask & 0xff, sh + c0));
  const __m512d hi = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1))),
                                   _mm512_maskz_loadu_pd(mask >> 8, sh + c0 + 8));
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm512_cvtpd_ps(lo))),
                                             _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
}

// sum[0..2) += double(v) (16 values as two vectors of 8).
__attribute__((target("avx512f"))) inline void add_sums(__m512d sum[2], __m512 v) {
  sum[0] = _mm512_add_pd(sum[0], _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  sum[1] = _mm512_add_pd(sum[1], _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

// Rows [rb, re) of the block (multiples of kAmxStep; rows >= k are padding), tile step by tile
// step and strip by strip: the step's 32 source rows are 32 sequential streams, and each strip's
// six tiles (6 KiB, contiguous) are written at once, the B tiles re-read from L1 for the
// transpose.
__attribute__((target("avx512f"))) void pack_rows_amx(const MatrixView& m, int64_t r0, int64_t k,
                                                      int64_t kl, const double* sh, const float* shf,
                                                      bool float_shift, int64_t rb, int64_t re,
                                                      uint16_t* panel, double* part) {
  const float* data = static_cast<const float*>(m.data);
  const int64_t cols = m.cols, strips = (cols + 15) / 16;
  std::fill(part, part + cols, 0.0);
  for (int64_t step = rb / kAmxStep; step < re / kAmxStep; ++step) {
    for (int64_t s = 0; s < strips; ++s) {
      const int64_t c0 = s * 16;
      const __mmask16 mask = cols - c0 >= 16 ? __mmask16(0xffff) : __mmask16((1u << (cols - c0)) - 1);
      uint16_t* a_tiles = panel + s * kl * kAmxStripRow + step * kStepSize;
      uint16_t* b_tiles = a_tiles + strips * kl * kAmxStripRow;
      __m512d sum[2] = {_mm512_maskz_loadu_pd(mask & 0xff, part + c0), _mm512_maskz_loadu_pd(mask >> 8, part + c0 + 8)};
      for (int64_t pair = 0; pair < kAmxStep / 2; ++pair) {
        const int64_t r = step * kAmxStep + 2 * pair;
        const float* row0 = data + (r0 + r) * cols;
        const __m512 x0 = shifted_row(row0, r < k, c0, mask, shf, sh, float_shift);
        const __m512 x1 = shifted_row(row0 + cols, r + 1 < k, c0, mask, shf, sh, float_shift);
        if (r < k) add_sums(sum, x0);
        if (r + 1 < k) add_sums(sum, x1);
        __m512i p0[3], p1[3];
        split3(x0, p0);
        split3(x1, p1);
        for (int p = 0; p < 3; ++p) {
          _mm512_store_si512(b_tiles + p * kTile + pair * 32, _mm512_or_si512(p1[p], _mm512_srli_epi32(p0[p], 16)));
        }
      }
      _mm512_mask_storeu_pd(part + c0, mask & 0xff, sum[0]);
      _mm512_mask_storeu_pd(part + c0 + 8, mask >> 8, sum[1]);
      for (int p = 0; p < 3; ++p) {
        __m512i w[16];
        for (int i = 0; i < 16; ++i) w[i] = _mm512_load_si512(b_tiles + p * kTile + i * 32);
        transpose16(w);
        for (int i = 0; i < 16; ++i) _mm512_store_si512(a_tiles + p * kTile + i * 32, w[i]);
      }
    }
  }
}

}  // namespace

void pack_block_amx(const MatrixView& m, int64_t r0, int64_t k, const double* shift,
                    uint16_t* panel, double* sums, int threads, PackWorkspace& ws) {
  const bool float_shift = float32_shifts(shift, m.cols, ws.shift_f);
  const int64_t kl = (k + kAmxStep - 1) / kAmxStep * kAmxStep;
  pack_tasks(m.cols, kl, sums, threads, ws, [&](int64_t rb, int64_t re, double* part) {
    pack_rows_amx(m, r0, k, kl, shift, ws.shift_f.data(), float_shift, rb, re, panel, part);
  });
}

#else

void pack_block_amx(const MatrixView&, int64_t, int64_t, const double*, uint16_t*, double*, int,
                    PackWorkspace&) {}

#endif  // COVLASSO_X86_SIMD

}  // namespace detail
}  // namespace covlasso
