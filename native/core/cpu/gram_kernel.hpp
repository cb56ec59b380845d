// The inner loop of the moment accumulation: packing rows into 8-column strips, and the
// SIMD kernels that multiply strips.
//
// Internal to native/core (moments_blocks.cpp is its user). The driver packs a block of k rows
// of X (and Y) into "strips": strip s holds columns [8s, 8s+8) of the block, row after row,
// i.e. strip[r*8 + c] = x[r][8s + c] (shifted, as double, zero-padded past the last column).
// One layout serves both sides of the product: the kernel streams 8 contiguous doubles of
// the right strip per row and broadcasts single doubles of the left one.
//
// Run-time SIMD dispatch: the AVX2+FMA and AVX-512 kernels are compiled with per-function
// target attributes (no -march flags needed) and chosen from cpuid. Every SIMD kernel sums each
// element with fused multiply-adds in the same order, whatever its register blocking, so they
// all give bitwise the same results; the portable kernel (separate multiply and add) may differ
// from them in the last bits. The AVX-512 paths come in two register blockings (a "one" kernel
// for a left × right strip pair and a "two" kernel for a left strip × two right strips), chosen
// per CPU by the number of 512-bit FMA pipes; gram_kernel.cpp says what each reaches and why.
#pragma once

#include <cstdint>
#include <vector>

#include "matrix.hpp"

namespace covlasso {
namespace detail {

constexpr int64_t kStripWidth = 8;

inline int64_t strips_for(int64_t cols) { return (cols + kStripWidth - 1) / kStripWidth; }

// Scratch of the packing, kept by the caller between blocks: per-task column sums and the
// float32 shifts.
struct PackWorkspace {
  std::vector<double> partials;
  std::vector<float> shift_f;
};

// Packs rows [r0, r0 + k) of m, minus shift (one value per column), into panel as
// strips_for(m.cols) strips of k rows each (strip s at panel + s·k·8), and adds each column's
// sum of packed values to sums. Groups of rows are split between up to `threads` threads; the
// result does not depend on the thread count. m must be finite (checked by the caller).
void pack_block(const MatrixView& m, int64_t r0, int64_t k, const double* shift, double* panel,
                double* sums, int threads, PackWorkspace& ws);

// Avx512OnePort: AVX-512 blocked for one 512-bit FMA pipe (AMD Zen 4); Avx512TwoPort: for two
// (Intel Xeon since Skylake-SP Gold, AMD Zen 5). Amx: float32 products on AMX-BF16 tiles
// (gram_kernel_amx.hpp); float64 products use Avx512TwoPort there.
enum class KernelPath { Portable, Avx2Fma, Avx512OnePort, Avx512TwoPort, Amx };

inline bool is_avx512(KernelPath p) { return p == KernelPath::Avx512OnePort || p == KernelPath::Avx512TwoPort || p == KernelPath::Amx; }

// c[i*ldc + j] += Σ_{r<k} a[r*8 + i] · b[r*8 + j] for i, j < 8: the sum over r is formed in
// increasing r starting from zero, then added to c. a and b point at strips as described above;
// c is the 8×8 corner of a row-major matrix with leading dimension ldc.
using StripKernel = void (*)(const double* a, const double* b, int64_t k, double* c, int64_t ldc);
// The same for two right strips at once: c[i*ldc + j] += ... b0 for j < 8, b1 for 8 <= j < 16.
using StripPairKernel = void (*)(const double* a, const double* b0, const double* b1, int64_t k,
                                 double* c, int64_t ldc);

// The path for this CPU, unless the environment variable COVLASSO_SIMD names another one it
// can run: "portable", "avx2", "avx512-1port", "avx512-2port", "amx"; "avx512" = the AVX-512
// blocking this CPU wants, "auto" (or unset) = the default (see gram_kernel.cpp). A name the
// CPU cannot run falls back to the best path below it. Read on every call so tests can switch
// paths within one process.
KernelPath select_kernel_path();

// A path's kernels for packed elements of type T: `two` is null where the path has no pair
// kernel; enter/leave (null for the SIMD paths) run on a thread before and after its kernel
// calls of one task (AMX: load and release the tile configuration).
template <typename T>
struct StripKernelSet {
  void (*one)(const T* a, const T* b, int64_t k, double* c, int64_t ldc);
  void (*two)(const T* a, const T* b0, const T* b1, int64_t k, double* c, int64_t ldc);
  void (*enter)() = nullptr;
  void (*leave)() = nullptr;
};
using StripKernels = StripKernelSet<double>;
StripKernels strip_kernels(KernelPath path);

// ---- float32 products (all inputs float32) ----
//
// Strips are 16 floats wide (one zmm): strip32[r*16 + c] = float(double(x[r][16s + c]) − shift),
// zero-padded past the last column. The kernel sums the products of kKc consecutive rows in
// float32 registers (fused multiply-adds, rows in increasing order, from zero): a chunk partial.
// The partials of kGroupChunks consecutive chunks (a group: 256 rows, one kernel call) are added
// in float32, first to last, and that group sum is converted to float64 and added to c.
// Error: each chunk partial has a relative error of at most about kKc·2⁻²⁴ of Σ|products|
// (worst case; round-to-nearest makes the typical error ~√kKc·2⁻²⁴); adding ≤ 4 partials adds
// ≤ 3 roundings of the group sum, and the float64 sum of the groups nothing measurable. See the
// comment at the top of gram_kernel.cpp. (Converting every chunk partial instead cost 12% of the
// kernel's time on the Xeon: seven vector instructions per accumulator against its 64 FMAs.)
constexpr int64_t kStripWidth32 = 16;
constexpr int64_t kKc = 64;
constexpr int64_t kGroupChunks = 4;
constexpr int64_t kGroupRows = kKc * kGroupChunks;

inline int64_t strips32_for(int64_t cols) { return (cols + kStripWidth32 - 1) / kStripWidth32; }

// Like pack_block for a float32 matrix m: packs rows [r0, r0 + k), minus shift (subtracted in
// float64, then rounded to float32), into panel as strips32_for(m.cols) strips of k rows each
// (strip s at panel + s·k·16), and adds each column's sum of the packed (rounded) values to
// sums, so sums and products describe the same float32 data.
void pack_block_f32(const MatrixView& m, int64_t r0, int64_t k, const double* shift, float* panel,
                    double* sums, int threads, PackWorkspace& ws);

// c[i*ldc + j] += Σ_{groups} double(Σ_{chunks of the group} Σ_{r in chunk} a[r*16 + i] · b[r*16 + j])
// for i, j < 16: groups of kGroupRows rows and chunks of kKc rows (the last ones shorter), all
// in increasing order, summed as described above.
using StripKernel32 = void (*)(const float* a, const float* b, int64_t k, double* c, int64_t ldc);
using StripPairKernel32 = void (*)(const float* a, const float* b0, const float* b1, int64_t k,
                                   double* c, int64_t ldc);

using StripKernels32 = StripKernelSet<float>;
StripKernels32 strip_kernels_f32(KernelPath path);

const char* kernel_path_name(KernelPath path);

}  // namespace detail
}  // namespace covlasso
