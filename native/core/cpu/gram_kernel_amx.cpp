// The AMX-BF16 kernel and its run-time checks (gram_kernel_amx.hpp explains the arithmetic and
// the panel layout; gram_kernel_amx_pack.cpp packs). Compiled with per-function target
// attributes, like the AVX-512 kernels, so no -mamx flags are needed and the rest of the file
// runs on any x86-64; a CPU without AMX never reaches a tile instruction (amx_usable()).
#include "gram_kernel_amx.hpp"

#include "gram_kernel_impl.hpp"

#if defined(COVLASSO_X86_SIMD) && defined(__linux__) && \
    ((defined(__clang__) && __clang_major__ >= 12) || (!defined(__clang__) && __GNUC__ >= 11))
#define COVLASSO_AMX 1
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>
#endif

namespace covlasso {
namespace detail {

#ifdef COVLASSO_AMX

namespace {

// The tile configuration (palette 1): tiles 0..7 all 16 rows × 64 bytes. A constant object: a
// configuration built on the stack just before LDTILECFG can be dropped by GCC as dead stores
// (it does not see the instruction read it), which leaves tiles unconfigured (#UD).
struct alignas(64) TileConfig {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};
constexpr TileConfig kTileConfig = {1, 0, {}, {64, 64, 64, 64, 64, 64, 64, 64}, {16, 16, 16, 16, 16, 16, 16, 16}};

bool detect_amx() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return false;  // OSXSAVE
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx512f = ebx & (1u << 16), amx_bf16 = edx & (1u << 22), amx_tile = edx & (1u << 24);
  if (!avx512f || !amx_bf16 || !amx_tile) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & (3u << 17)) != (3u << 17)) return false;  // XTILECFG, XTILEDATA
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

__attribute__((target("amx-tile"))) void amx_enter() { _tile_loadconfig(&kTileConfig); }
__attribute__((target("amx-tile"))) void amx_leave() { _tile_release(); }

// c[i][0..16) += double(hh[i][0..16) + rest[i][0..16)) for the 16 rows of two float32 tiles
// stored at hh and rest. One float32 addition per element and call: a rounding of 2⁻²⁴ of the
// call's partial sum, as the AVX-512 path rounds each of its float32 partials.
__attribute__((target("avx512f"))) inline void add_tiles(double* c, int64_t ldc, const float* hh,
                                                         const float* rest) {
  for (int i = 0; i < 16; ++i) {
    add_store_ps512(c + i * ldc, _mm512_add_ps(_mm512_load_ps(hh + 16 * i), _mm512_load_ps(rest + 16 * i)));
  }
}

constexpr int64_t kTile = 512, kStepSize = kAmxStep * kAmxStripRow;  // bf16 elements

// One left strip × one right strip. Tiles: 0 = hh, 1 = the other five products, 2..4 = A parts
// h, m, l of the left strip, 5..7 = B parts h, m, l of the right strip. The products are those
// of strip_pair_amx, in the same order into each tile, so the two kernels agree bitwise.
__attribute__((target("amx-tile,amx-bf16,avx512f"))) void strip_product_amx(
    const uint16_t* a, const uint16_t* b, int64_t k, double* c, int64_t ldc) {
  alignas(64) float buf[512];
  _tile_zero(0);
  _tile_zero(1);
  for (int64_t t = 0; t < k / kAmxStep; ++t) {
    const uint16_t* at = a + t * kStepSize;
    const uint16_t* bt = b + t * kStepSize;
    _tile_loadd(5, bt, 64);
    _tile_loadd(4, at + 2 * kTile, 64);
    _tile_dpbf16ps(1, 4, 5);  // lh
    _tile_loadd(2, at, 64);
    _tile_dpbf16ps(0, 2, 5);  // hh
    _tile_loadd(3, at + kTile, 64);
    _tile_dpbf16ps(1, 3, 5);  // mh
    _tile_loadd(6, bt + kTile, 64);
    _tile_dpbf16ps(1, 3, 6);  // mm
    _tile_dpbf16ps(1, 2, 6);  // hm
    _tile_loadd(7, bt + 2 * kTile, 64);
    _tile_dpbf16ps(1, 2, 7);  // hl
  }
  _tile_stored(0, buf, 64);
  _tile_stored(1, buf + 256, 64);
  add_tiles(c, ldc, buf, buf + 256);
}

// One left strip × two right strips (c: 16 × 32). Tiles are not renamed, so a tile load waits
// for the tile products still reading the old contents: each loaded tile serves two products
// (one per right strip) and consecutive products share one side, which takes 9 tile loads for
// the 12 products of a step instead of 12, and leaves a spare A tile so that the next A part
// loads while the current one is in use. Tiles: 0, 1 = hh of the two outputs, 2, 3 = the other
// products, 4, 5 = A (alternating), 6, 7 = B of the two right strips.
__attribute__((target("amx-tile,amx-bf16,avx512f"))) void strip_pair_amx(
    const uint16_t* a, const uint16_t* b0, const uint16_t* b1, int64_t k, double* c, int64_t ldc) {
  alignas(64) float buf[1024];
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (int64_t t = 0; t < k / kAmxStep; ++t) {
    const uint16_t* at = a + t * kStepSize;
    const uint16_t* bt0 = b0 + t * kStepSize;
    const uint16_t* bt1 = b1 + t * kStepSize;
    _tile_loadd(6, bt0, 64);  // B h
    _tile_loadd(7, bt1, 64);
    _tile_loadd(4, at + 2 * kTile, 64);  // A l
    _tile_dpbf16ps(2, 4, 6);  // lh
    _tile_dpbf16ps(3, 4, 7);
    _tile_loadd(5, at, 64);  // A h
    _tile_dpbf16ps(0, 5, 6);  // hh
    _tile_dpbf16ps(1, 5, 7);
    _tile_loadd(4, at + kTile, 64);  // A m
    _tile_dpbf16ps(2, 4, 6);  // mh
    _tile_dpbf16ps(3, 4, 7);
    _tile_loadd(6, bt0 + kTile, 64);  // B m
    _tile_loadd(7, bt1 + kTile, 64);
    _tile_dpbf16ps(2, 4, 6);  // mm
    _tile_dpbf16ps(3, 4, 7);
    _tile_dpbf16ps(2, 5, 6);  // hm
    _tile_dpbf16ps(3, 5, 7);
    _tile_loadd(6, bt0 + 2 * kTile, 64);  // B l
    _tile_loadd(7, bt1 + 2 * kTile, 64);
    _tile_dpbf16ps(2, 5, 6);  // hl
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, buf, 64);
  _tile_stored(1, buf + 256, 64);
  _tile_stored(2, buf + 512, 64);
  _tile_stored(3, buf + 768, 64);
  add_tiles(c, ldc, buf, buf + 512);
  add_tiles(c + 16, ldc, buf + 256, buf + 768);
}

}  // namespace

bool amx_usable() {
  static std::once_flag once;
  static bool usable = false;
  std::call_once(once, [] { usable = detect_amx(); });
  return usable;
}

StripKernelSet<uint16_t> amx_kernels() { return {strip_product_amx, strip_pair_amx, amx_enter, amx_leave}; }

#else  // no AMX in this build

bool amx_usable() { return false; }
StripKernelSet<uint16_t> amx_kernels() { return {nullptr, nullptr}; }

#endif

}  // namespace detail
}  // namespace covlasso
