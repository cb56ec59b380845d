// The CUDA lasso's data, as its kernels (lasso_steps.cuh) and its host driver (lasso_driver.hpp)
// share it: the problem's constants, one TargetState per target of a chunk, the chunk's dense
// per-target vectors, and the per-target scratch a working-set solve packs its data into.
// All pointers are device pointers (host pointers under the emulation in test/native/cuda/).
#pragma once

#include <cstdint>

#include "hd.hpp"
#include "lasso_penalty.hpp"

namespace covlasso {
namespace cuda {

// What happened to a target at the current λ.
enum TargetStatus : int32_t {
  kActive = 0,     // still being solved
  kConverged = 1,  // certified: gap ≤ tol·d and unpenalised KKT ≤ tol·d
  kExhausted = 2,  // max_iter sweeps spent, not certified
  kStuck = 3,      // nothing can move (empty working set, e.g. a non-PSD input), not certified
  kStopped = 4,    // its path ended earlier (stop_relative_error): nothing solved at this λ
  kNotConvex = 5,  // the certificate proves the input is not PSD (judge()): the driver throws
};

// The problem and the settings, the same for every target.
struct SolverConstants {
  const double* gram = nullptr;     // p×p
  const double* diag = nullptr;     // p: G_jj
  const double* weights = nullptr;  // p penalty factors, or null (all 1)
  int64_t p = 0;
  double l1_ratio = 1;
  double tol = 1e-6;
  int64_t max_iter = 100000;
  bool positive = false;
  double stop_relative_error = 0;

  COVLASSO_HD Penalty penalty(double l1, double l2) const {
    Penalty pen;
    pen.l1 = l1;
    pen.l2 = l2;
    pen.positive = positive;
    pen.weights = weights;
    return pen;
  }
};

// One target's state at the current λ (lane 0 writes it; every lane may read it).
struct TargetState {
  int32_t column = 0;    // the target's column of the cross moments
  int32_t exclude = -1;  // the coordinate held at 0 (intra-model), or −1
  double d = 0;          // the target's variance
  double lambda_max = 0;
  int32_t stopped = 0;   // its path ended (stop_relative_error) at an earlier λ
  // The current λ.
  double l1 = 0, l2 = 0;
  double previous_l1 = -1;  // the previous λ's l1 (< 0: none), for the sequential strong rule
  double strong_l1 = 0;     // the strong rule's threshold for the next working set (inf: none)
  double target_gap = 0, inner_gap = 0;
  int64_t iterations = 0;   // sweeps at this λ
  int32_t previous_size = -1;
  int32_t status = kActive;
  int32_t w = 0;            // working-set size
  int32_t nnz = 0;          // entries of the support list
  // The working-set solve in progress (it may span several launches).
  int64_t inner_sweeps = 0;
  int64_t since_newton = 0;
  int32_t settled = 0;
  int32_t newton_failed = 0;
  int32_t inner_done = 0;
  // The certificate of the last full check.
  Certificate cert{};
};

// The chunk's arrays, n targets of p coordinates each (target k's vectors start at k·p).
struct ChunkArrays {
  TargetState* state = nullptr;
  int32_t* control = nullptr;  // 4 per target, what the host reads each round: status, w, inner_done, nnz
  double* s = nullptr;         // cross moments s_t
  double* beta = nullptr;      // coefficients (dense)
  double* q = nullptr;         // Gβ, as of the last refresh
  int32_t* support = nullptr;  // the non-zeros of β, ascending (first nnz)
  int32_t* working = nullptr;  // the working set, ascending (first w)
};

constexpr int kControlStatus = 0, kControlW = 1, kControlInnerDone = 2, kControlNnz = 3;

// Supports larger than this get no Newton step (as on the CPU: its cost is m³/3).
constexpr int64_t kMaxNewtonSupport = 600;
constexpr int kAndersonDepth = 5;
constexpr int kSettledSweeps = 3;
constexpr int kMaxRaySteps = 32;
constexpr double kPivotTolerance = 1e-12;
constexpr int kMinWorkingGrowth = 20;  // the CPU's (cpu/working_set.cpp)
// A first λ's rounds stop their sweeps at this fraction of the full gap (cpu/lasso_target.cpp).
constexpr double kRelativeInnerGap = 0.1;

// A target's working-set scratch, carved from `base` (scratch_doubles(w) doubles).
struct WorkingScratch {
  double* gram;     // w×w: G_WW
  double* system;   // m×m, m = min(w, kMaxNewtonSupport): the Newton system
  double* history;  // (kAndersonDepth + 1)·w: the last iterates of β_W
  double *s, *q, *beta, *diag, *weights;
  double *cand, *cand_q, *rhs, *solution, *column, *null_dir;
  int32_t* support;  // w
  int32_t* dropped;  // w
};

COVLASSO_HD inline int64_t newton_size(int64_t w) { return w < kMaxNewtonSupport ? w : kMaxNewtonSupport; }

COVLASSO_HD inline int64_t scratch_doubles(int64_t w) {
  const int64_t m = newton_size(w);
  return w * w + m * m + (kAndersonDepth + 1) * w + 11 * w + w;  // the int arrays share the last w doubles
}

COVLASSO_HD inline WorkingScratch carve_scratch(double* base, int64_t w) {
  WorkingScratch v;
  const int64_t m = newton_size(w);
  double* at = base;
  v.gram = at, at += w * w;
  v.system = at, at += m * m;
  v.history = at, at += (kAndersonDepth + 1) * w;
  double** vectors[] = {&v.s, &v.q, &v.beta, &v.diag, &v.weights, &v.cand, &v.cand_q,
                        &v.rhs, &v.solution, &v.column, &v.null_dir};
  for (double** slot : vectors) *slot = at, at += w;
  v.support = reinterpret_cast<int32_t*>(at);
  v.dropped = v.support + w;  // 2w int32 in w doubles
  return v;
}

}  // namespace cuda
}  // namespace covlasso
