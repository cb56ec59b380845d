// The cooperation primitives of the CUDA lasso kernels, so that the same per-target code runs as
// one warp on the device and as emulated lanes on the host (test/native/cuda/ runs it there
// against the CPU backend, because most machines that build covlasso have no GPU).
//
// A Lanes type provides, for `count()` lanes executing the same code in lockstep:
//   lane(), count()                 this lane's index and the number of lanes
//   sync()                          every lane's shared/global writes become visible to all
//   sum(v), max(v), sum_int(v)      all-reduce; every lane gets the same value (deterministic)
//   min_index(v, i)                 the smallest v and, among equal v, the smallest i
//   prefix(flag, &total)            how many lower lanes have flag set; total over all lanes
//   atomic_add(int* p, v)           an integer add on memory shared by the lanes
// Every lane computes every scalar of the algorithm redundantly (the same instructions on the
// same values, so the same bits): control flow stays uniform, and only lane 0 writes scalars.
// Reductions never use floating-point atomics, so results are the same run to run.
#pragma once

#include <cmath>
#include <cstdint>

#include "hd.hpp"

namespace covlasso {
namespace cuda {

struct MinIndex {
  double value;
  int index;
};

COVLASSO_HD inline MinIndex min_of(MinIndex a, MinIndex b) {
  if (b.value < a.value || (b.value == a.value && b.index < a.index)) return b;
  return a;
}

// One lane: the host reference (and what a single-thread emulation runs).
struct SingleLane {
  COVLASSO_HD int lane() const { return 0; }
  COVLASSO_HD int count() const { return 1; }
  COVLASSO_HD void sync() const {}
  COVLASSO_HD double sum(double v) const { return v; }
  COVLASSO_HD double max(double v) const { return v; }
  COVLASSO_HD int sum_int(int v) const { return v; }
  COVLASSO_HD MinIndex min_index(double v, int i) const { return MinIndex{v, i}; }
  COVLASSO_HD int prefix(bool flag, int* total) const {
    *total = flag ? 1 : 0;
    return 0;
  }
  COVLASSO_HD void atomic_add(int* p, int v) const { *p += v; }
};

#if defined(__CUDACC__)
// The 32 lanes of a warp. Kernels launch whole warps and retire them whole, so every shuffle
// has all 32 lanes.
struct WarpLanes {
  static constexpr unsigned kAll = 0xffffffffu;
  COVLASSO_HD int lane() const {
#if defined(__CUDA_ARCH__)
    return static_cast<int>(threadIdx.x & 31u);
#else
    return 0;
#endif
  }
  COVLASSO_HD int count() const { return 32; }
  COVLASSO_HD void sync() const {
#if defined(__CUDA_ARCH__)
    __syncwarp(kAll);
#endif
  }
  // Butterfly reductions: lane i combines with lane i^m, and fl(a+b) = fl(b+a), so every lane
  // ends with the same bits.
  COVLASSO_HD double sum(double v) const {
#if defined(__CUDA_ARCH__)
    for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(kAll, v, m);
#endif
    return v;
  }
  COVLASSO_HD double max(double v) const {
#if defined(__CUDA_ARCH__)
    for (int m = 16; m > 0; m >>= 1) v = std::fmax(v, __shfl_xor_sync(kAll, v, m));
#endif
    return v;
  }
  COVLASSO_HD int sum_int(int v) const {
#if defined(__CUDA_ARCH__)
    for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(kAll, v, m);
#endif
    return v;
  }
  COVLASSO_HD MinIndex min_index(double v, int i) const {
    MinIndex r{v, i};
#if defined(__CUDA_ARCH__)
    for (int m = 16; m > 0; m >>= 1) {
      const MinIndex o{__shfl_xor_sync(kAll, r.value, m), __shfl_xor_sync(kAll, r.index, m)};
      r = min_of(r, o);
    }
#endif
    return r;
  }
  COVLASSO_HD int prefix(bool flag, int* total) const {
#if defined(__CUDA_ARCH__)
    const unsigned ballot = __ballot_sync(kAll, flag);
    *total = __popc(ballot);
    return __popc(ballot & ((1u << lane()) - 1u));
#else
    *total = flag ? 1 : 0;
    return 0;
#endif
  }
  COVLASSO_HD void atomic_add(int* p, int v) const {
#if defined(__CUDA_ARCH__)
    atomicAdd(p, v);
#else
    *p += v;
#endif
  }
};

// The threads of a block, for block-cooperative code (moments_steps.cuh): lane(), count(), sync().
struct BlockThreads {
  COVLASSO_HD int lane() const {
#if defined(__CUDA_ARCH__)
    return static_cast<int>(threadIdx.x);
#else
    return 0;
#endif
  }
  COVLASSO_HD int count() const {
#if defined(__CUDA_ARCH__)
    return static_cast<int>(blockDim.x);
#else
    return 1;
#endif
  }
  COVLASSO_HD void sync() const {
#if defined(__CUDA_ARCH__)
    __syncthreads();
#endif
  }
};
#endif

}  // namespace cuda
}  // namespace covlasso
