// float32 products on AMX tiles (issue #12): the KernelPath::Amx path of gram_kernel.hpp.
//
// Internal to native/core (moments_blocks.cpp is its user). Every shifted float32 value x̃ is
// split exactly into three bfloat16 parts, x̃ = h + m + l (h = bf16(x̃), m = bf16(x̃ − h),
// l = x̃ − h − m, each rounded to nearest; 8 + 8 + 8 significant bits hold all 24 of x̃), and
// x̃ỹ is formed from the six part products that matter, hh + (hm + mh + hl + lh + mm); the three
// left out (ml, lm, ll) are below 2⁻²³·|x̃ỹ|, about a float32 rounding of the product. Each bf16
// product is exact in float32. TDPBF16PS (16×16 float32 tile += 16×32 bf16 tile × 32×16 bf16
// tile) sums them in float32: hh in one tile, the five smaller products (≤ 2⁻⁷ of hh) in a
// second; once per kernel call (512 rows) the two tiles are added (one float32 rounding) and
// converted into the float64 moment. hh products have 16 significant bits, so their float32
// sums stay exact until a sum outgrows its terms by 2⁸: the hh sums over 512 rows lose less than
// the AVX-512 path's products over kKc = 64 rows. Measured error (moments_test 7e,
// bench/RESULTS.md): the same order as the AVX-512 float32 path (1.1e-8 against 7.8e-9 of max|S|
// on 100000×1000 logits, 4.7e-7 against 6.0e-7 with a 100σ outlier row). The results are not
// bitwise those of the other paths (a different sum of the same products).
// Tile instructions treat bf16 denormals as zero and flush float32 denormals: values with
// |x̃| < 2⁻¹¹⁰ lose their low parts, and products under 2⁻¹²⁶ count as zero.
//
// Off by default (COVLASSO_SIMD=amx selects it): on the two-core Xeon it runs ~1.2× the AVX-512
// path on one thread but about even on two, where the 12-byte-per-element panels make it
// bandwidth-bound; far from issue #12's 2× OpenBLAS (numbers in gram_kernel.cpp and
// bench/RESULTS.md). Its panels take 12288 bytes per padded column, which streamMemory() does
// not count (it counts 8192).
//
// Panel layout: strips of 16 columns, in two halves. The first half holds, strip after strip,
// per 32 rows (one tile step) the three 1 KiB left-operand tiles (A: 16 columns × 32 rows, i.e.
// transposed) for h, m, l; the second half the same for the right-operand tiles (B: 16 row
// pairs × 16 columns × 2, the "VNNI" pairs). So a kernel's tile loads walk each strip of each
// half front to back (a stream the hardware prefetchers follow: with A and B tiles interleaved
// per step, first touches from L3 were not prefetched and the kernel ran at half speed), and a
// strip row takes kAmxStripRow = 48 bf16 (3 parts × 16) in each half: 12 bytes per element, 3×
// the float32 path's panel.
#pragma once

#include <cstdint>

#include "gram_kernel.hpp"
#include "matrix.hpp"

namespace covlasso {
namespace detail {

constexpr int64_t kAmxStep = 32;      // rows per tile step; blocks are padded to a multiple
constexpr int64_t kAmxStripRow = 48;  // bf16 elements per strip and row, in each half

// Whether this process can run the AMX path: cpuid reports AMX-TILE, AMX-BF16 and AVX-512F, the
// OS enables the tile state (XCR0 bits 17, 18), and Linux granted the tile data permission
// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), requested here once per process, before
// any tile instruction). False on other systems and compilers without AMX intrinsics.
bool amx_usable();

// Packs rows [r0, r0 + k) of the float32 matrix m, minus shift, into panel in the layout above,
// rows padded with zeros to a multiple of kAmxStep, and adds each column's sum of the (float32)
// shifted values to sums. Same contract as pack_block_f32 otherwise.
void pack_block_amx(const MatrixView& m, int64_t r0, int64_t k, const double* shift,
                    uint16_t* panel, double* sums, int threads, PackWorkspace& ws);

// The AMX kernels: c (16 × 16, or 16 × 32 for a pair of right strips; leading dimension ldc) +=
// the products of left strip a and right strip(s) b over k rows (a multiple of kAmxStep), as
// described above. A thread calls them only between the set's enter() (which loads the tile
// configuration) and leave() (which releases the tiles).
StripKernelSet<uint16_t> amx_kernels();

}  // namespace detail
}  // namespace covlasso
