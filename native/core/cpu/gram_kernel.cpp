// Covariance kernels. The plan, from the numbers (issue #3; details in bench/RESULTS.md):
//
// Work: the symmetric product XᵀX of X (N×C) is N·C²/2 multiply-adds = N·C² flops. For
// 100000×1000 that is 1e11 flops; numpy float32 (OpenBLAS syrk) needs ~0.6 s for it here.
// Ceiling, measured with a 12-chain FMA loop on this 2-core Zen 4 (one 512-bit FMA per cycle per
// core, ~3.6 GHz): float32 116 GFLOP/s per core, 224 for both; float64 58 / 112. numpy reaches
// ~170 GFLOP/s in float32 (75% of peak), so 1.25× numpy needs ≥ 135 GFLOP/s (60% of peak).
//
// Predictions written before timing, then measured (single core, kernel alone on cached strips):
//  - float64 8×8 AVX-512 kernel: 8 FMAs per row per 64-byte load → ~100% of the float64 peak;
//    overall the float64 path runs at 2× the float32 cost: ≥ 2× slower than numpy float32.
//    Measured: 58.4 GFLOP/s (100%).
//  - float32 16×16 AVX-512 kernel (16 zmm accumulators, broadcasts folded into the FMAs): per row
//    16 FMAs + 1 load → the FMA port is the limit; the flush of the float32 partial into float64
//    (32 conversions, 32 loads, 32 adds, 32 stores ≈ 100 cycles) every kKc rows costs
//    ~100 / (16·kKc): 10% at kKc = 64, 5% at 128, 2.5% at 256. Predicted 105 / 110 / 113;
//    measured 109.5 / 113.6 / 115.9 GFLOP/s. kKc = 64 was chosen for accuracy (see below).
//  - whole covariance(): + packing (one read of X, one write of the panel, ~10% of the kernel
//    time before the rows-outer AVX-512 packing, ~5% after), + the finiteness check (one read of
//    X, ~2%), + padding to 16 columns and full 16×16 diagonal blocks (~3% at C = 1000), + the
//    end-of-block imbalance between threads (≤ 1 tile of ~36, ~3%): predicted ~80% of peak,
//    ~175 GFLOP/s on two idle cores, i.e. ~1.0× numpy float32.
//
// Accuracy of float32 products: each kKc-row float32 partial has a worst-case error of about
// kKc·2⁻²⁴ of Σ|products| (plus 2⁻²⁴ per element for rounding x − shift, and since issue #12 up
// to 3·2⁻²⁴ for adding the 4 partials of a 256-row group in float32 before the float64 sum);
// with round-to-nearest the typical error is ~√kKc·2⁻²⁴ and partials' errors average out over
// N/kKc blocks. The shift is
// the float32-rounded mean of the first rows (moments.cpp), so Σ|products| ≈ N·S even when the
// logits sit at 1e3 or 1e6. Measured (test/native/moments_test.cpp): ≤ 1e-7 of max|S| on normal
// and real (cjk1000) logits, ~6e-7 with one 100σ outlier row among 3000, which dominates its
// partial sum — the case that set kKc = 64 rather than 128 (9.7e-7 there).
//
// Issue #12: the same on an Intel Xeon (Sapphire/Emerald Rapids: two 512-bit FMA pipes per core,
// AMX-BF16; 2 cores at ~2.7 GHz under AVX-512, 2 MiB L2 each, 48 KiB L1D). Counted before
// optimising, for 100000×1000 float32:
//  - flops 1e11 (1.03e11 computed: 16-column padding, whole diagonal strip pairs). Ceilings
//    (FMA loop): float32 ~170 GFLOP/s per core, ~340 for both; float64 ~85 / ~170. OpenBLAS
//    0.3.21 (SkylakeX kernels, forced: it takes this CPU for a Prescott) needs 0.43 s in float32
//    on a quiet machine: 232 GFLOP/s, 68% of peak. Matching it needs ≥ 68% overall.
//  - bytes: X 400 MB, read from DRAM by the finiteness check (~13 GB/s per core: ~30 ms) and
//    again from L3 by the packing; the panel (4 MB per 1024-row block) is written once and read
//    by every tile task from L2/L3 (each strip by ~8 tiles); the moment (4 MB upper triangle) is
//    read and written once per block (1 GB/s). Every stream is far below its bandwidth: the
//    kernel's FMA rate is the bottleneck, and with it the loads that feed the FMAs.
//  - the Zen 4 kernels here: the 16×16 float32 kernel needs 17 loads per 16 FMAs; with two FMAs
//    a cycle that is 2.1 loads a cycle, above the 2 a Golden Cove core sustains, and each call
//    streamed 1024-row (64 KiB) strips from L2: measured 88 GFLOP/s per core (52%), 126 for the
//    whole covariance on both cores. The 8×8 float64 kernel: 9 loads per 8 FMAs, ~50 GFLOP/s.
//  - predicted for two-pipe blocking (gram_kernel_2port.cpp: 10 loads per 16 FMAs) on 256-row
//    calls (right strips in L1): FMA-bound, minus the float32 flush (7 vector uops per
//    accumulator per kKc = 64 rows against 64 FMAs: ~11% with two pipes, twice its share on
//    Zen 4) → ~150 GFLOP/s per core for the float32 kernel; whole covariance (+ pack ~3%, check
//    ~3%, padding 3%, imbalance ≤ 3%) ~125 per core, ~250 on two: ~0.40 s, ~1.07× OpenBLAS.
//    float64 8×16: ~80 per core (FMA-bound, no flush), ~150 on two overall: ~0.67 s.
//    Measured (microbenchmarks, one core, quiet moments): float32 pair kernel 134-140 GFLOP/s
//    converting every kKc = 64-row partial (152 with no flush: the flush costs 12%, twice the
//    prediction's share of the loads), one-strip 16×16 kernel 116-119; float64 8×16 73-76. So
//    the float32 partials of a 256-row call are now added in float32 and converted once (4
//    float32 additions, not 4 conversions, per accumulator: ~5% of the whole covariance).
//    Whole covariance: bench/RESULTS.md.
//  - AMX-BF16 (gram_kernel_amx.hpp): TDPBF16PS does 16×16×32 multiply-adds in 16 cycles,
//    ~2850 GFLOP/s per core measured; six bf16 products per float32 product → ~475 "float32"
//    GFLOP/s per core, 950 on two: the kernel could take ~0.11 s. But tile registers are not
//    renamed and each 16×32 pair call loads 9 KiB of tiles per 12 products (192 cycles): ~48
//    B/cycle from L2, about what L2 delivers, and each call ends with tile stores and float64
//    additions that do not overlap the tile unit. Predicted ~60% of the AMX ceiling; measured
//    312 GFLOP/s per core in cache (66%, 512-row calls). In the real loop the panel is 12 bytes
//    per element (three parts, two layouts: 12 MB per 1024-row block at C = 1000), every tile
//    reads its 16 strips from L3 on first touch, and per second of work that is ~9× the float32
//    path's bytes: ~180 GFLOP/s per core, ~1.2× the AVX-512 path on one thread, about even (0.7
//    to 1.2× of it, run to run) on two. Short of issue #12's 2× OpenBLAS, so it stays opt-in
//    (COVLASSO_SIMD=amx); its accuracy is not the obstacle (bench/RESULTS.md).
//
// Whole covariance on the Xeon, two threads, 100000×1000 (bench/RESULTS.md): float32 0.55-0.74 s
// against OpenBLAS's 0.44-0.64 (median speed 0.88×), float64 1.03-1.21 s against 0.88-1.55
// (0.88×); the code before issue #12 took 0.84-0.90 / 1.40-1.55 s in interleaved runs. One thread runs the float32 covariance in ~0.85-0.93 s (the
// kernel at ~145 GFLOP/s, 85% of the core's peak; checks, packing and tile additions ~15%);
// two threads lose 10-25% of that per core (each core's kernel, data in its own L1/L2, runs
// slower when both work on one panel; two separate processes do not slow each other), which is
// most of what separates it from OpenBLAS.
//
// This file: the run-time choice of kernel path. The micro-kernels are in gram_kernel_strips.cpp
// and gram_kernel_2port.cpp, the packing in gram_kernel_pack.cpp.
#include "gram_kernel.hpp"

#include <cstdlib>
#include <cstring>

#include "gram_kernel_amx.hpp"
#include "gram_kernel_impl.hpp"

#ifdef COVLASSO_X86_SIMD
#include <cpuid.h>
#endif

namespace covlasso {
namespace detail {

namespace {

#ifdef COVLASSO_X86_SIMD
bool cpu_has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

// Whether the AVX-512 kernels should be blocked for two 512-bit FMA pipes. No cpuid bit says how
// many pipes a core has; what is known: AMD up to Zen 4 (family 0x19) has one 512-bit FMA per
// cycle (two 256-bit halves), Zen 5 (family 0x1A) two; Intel's Xeons with AVX-512 have two (a few
// Skylake-SP Silver/Bronze parts and client cores have one, and there the two-pipe blocking is
// still FMA-bound, only with twice the L1 footprint of the right-hand strips).
bool cpu_has_two_fma_pipes() {
  __builtin_cpu_init();
  if (__builtin_cpu_is("intel")) return true;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  unsigned family = (eax >> 8) & 0xf;
  if (family == 0xf) family += (eax >> 20) & 0xff;
  return __builtin_cpu_is("amd") && family >= 0x1a;
}
#endif  // COVLASSO_X86_SIMD

bool env_is(const char* env, const char* name) { return env != nullptr && std::strcmp(env, name) == 0; }

}  // namespace

KernelPath select_kernel_path() {
  const char* env = std::getenv("COVLASSO_SIMD");
#ifdef COVLASSO_X86_SIMD
  if (env_is(env, "portable")) return KernelPath::Portable;
  const bool avx2 = cpu_has_avx2_fma(), avx512 = avx2 && cpu_has_avx512();
  if (env_is(env, "avx2") || !avx512) return avx2 ? KernelPath::Avx2Fma : KernelPath::Portable;
  if (env_is(env, "amx") && amx_usable()) return KernelPath::Amx;
  if (env_is(env, "avx512-1port")) return KernelPath::Avx512OnePort;
  if (env_is(env, "avx512-2port")) return KernelPath::Avx512TwoPort;
  return cpu_has_two_fma_pipes() ? KernelPath::Avx512TwoPort : KernelPath::Avx512OnePort;
#else
  (void)env;
  (void)env_is;
  return KernelPath::Portable;
#endif
}

StripKernels strip_kernels(KernelPath path) {
#ifdef COVLASSO_X86_SIMD
  if (path == KernelPath::Avx512OnePort) return {strip_product_avx512, nullptr};
  if (is_avx512(path)) return {strip_product_avx512, strip_pair_avx512};
  if (path == KernelPath::Avx2Fma) return {strip_product_avx2, nullptr};
#else
  (void)path;
#endif
  return {strip_product_portable, nullptr};
}

StripKernels32 strip_kernels_f32(KernelPath path) {
#ifdef COVLASSO_X86_SIMD
  if (path == KernelPath::Avx512OnePort) return {strip32_product_avx512, nullptr};
  if (is_avx512(path)) return {strip32_product_avx512, strip32_pair_avx512};
  if (path == KernelPath::Avx2Fma) return {strip32_product_avx2, nullptr};
#else
  (void)path;
#endif
  return {strip32_product_portable, nullptr};
}

const char* kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::Portable: return "portable";
    case KernelPath::Avx2Fma: return "avx2+fma";
    case KernelPath::Avx512OnePort: return "avx512-1port";
    case KernelPath::Avx512TwoPort: return "avx512-2port";
    case KernelPath::Amx: return "amx";
  }
  return "portable";
}

}  // namespace detail
}  // namespace covlasso
