// The per-target steps of the CUDA lasso, each run by the lanes of one warp for one target k of
// a chunk (lasso_kernels.cu launches them over many targets at once; the host emulation in
// test/native/cuda/ runs them in loops). The rounds the driver (lasso_driver.hpp) strings them
// into are the CPU solver's (native/core/cpu/lasso_target.cpp):
//   refresh q = Gβ from scratch over the support (the same order of additions as the CPU)
//   → certify over every coordinate in float64 (converged when gap ≤ tol·d and KKT ≤ tol·d)
//   → select the working set (non-zeros, unpenalised coordinates, the strongest violators, with
//     the sequential strong rule on a path's first round), exactly the CPU's choice (radix
//     select of the top violators, ties by index)
//   → pack G_WW and the vectors → sweep (ws_solver.cuh) → write β back, rebuild the support.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "lanes.cuh"
#include "lasso_state.cuh"
#include "ws_solver.cuh"

namespace covlasso {
namespace cuda {

COVLASSO_HD inline void publish_control(const ChunkArrays& A, int64_t k) {
  const TargetState& st = A.state[k];
  int32_t* c = A.control + 4 * k;
  c[kControlStatus] = st.status;
  c[kControlW] = st.w;
  c[kControlInnerDone] = st.inner_done;
  c[kControlNnz] = st.nnz;
}

// s_t from column `column` of the p×m cross moments, and λ_max(t) (lasso_problem.hpp).
template <class Lanes>
COVLASSO_HD void init_target(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k,
                             const double* cross, int64_t m) {
  TargetState& st = A.state[k];
  const int64_t p = C.p;
  double* s = A.s + k * p;
  const Penalty unit = C.penalty(1.0, 0.0);
  double best = 0;
  for (int64_t j = L.lane(); j < p; j += L.count()) {
    const double v = cross[j * m + st.column];
    s[j] = v;
    const double w = unit.weight(static_cast<size_t>(j));
    if (j == st.exclude || w <= 0) continue;
    best = std::fmax(best, (C.positive ? std::fmax(v, 0.0) : std::fabs(v)) / w);
  }
  best = L.max(best);
  L.sync();
  if (L.lane() == 0) st.lambda_max = best / C.l1_ratio;
}

// The support list of β (ascending) and its size.
template <class Lanes>
COVLASSO_HD void build_support(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k) {
  const int64_t p = C.p;
  const double* beta = A.beta + k * p;
  int32_t* support = A.support + k * p;
  int n = 0;
  for (int64_t base = 0; base < p; base += L.count()) {
    const int64_t j = base + L.lane();
    const bool on = j < p && beta[j] != 0;
    int total = 0;
    const int before = L.prefix(on, &total);
    if (on) support[n + before] = static_cast<int32_t>(j);
    n += total;
  }
  L.sync();
  if (L.lane() == 0) {
    A.state[k].nnz = n;
    publish_control(A, k);
  }
}

// Sets up target k for λ = value (· λ_max when relative).
template <class Lanes>
COVLASSO_HD void begin_lambda(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k, double value,
                              bool relative) {
  L.sync();
  if (L.lane() != 0) return;
  TargetState& st = A.state[k];
  st.w = 0;
  st.inner_done = 0;
  if (st.stopped) {
    st.status = kStopped;
    publish_control(A, k);
    return;
  }
  const double lambda = relative ? value * st.lambda_max : value;
  st.l1 = lambda * C.l1_ratio;
  st.l2 = lambda * (1 - C.l1_ratio);
  st.strong_l1 = st.previous_l1 > st.l1 ? 2 * st.l1 - st.previous_l1 : std::numeric_limits<double>::infinity();
  st.target_gap = C.tol * st.d;
  st.inner_gap = 0.5 * st.target_gap;
  st.iterations = 0;
  st.previous_size = -1;
  st.status = kActive;
  publish_control(A, k);
}

// q_i = Σ_{j ∈ support} β_j G_ji for the columns i = i0 + lane (ascending j, as the CPU).
template <class Lanes>
COVLASSO_HD void refresh_columns(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k, int64_t i0) {
  const int64_t p = C.p;
  const int64_t i = i0 + L.lane();
  if (i >= p) return;
  const double* beta = A.beta + k * p;
  const int32_t* support = A.support + k * p;
  const int32_t nnz = A.state[k].nnz;
  double acc = 0;
  for (int32_t e = 0; e < nnz; ++e) {
    const int64_t j = support[e];
    acc += beta[j] * C.gram[j * p + i];
  }
  A.q[k * p + i] = acc;
}

// The full certificate over every coordinate, and the verdict for this round.
template <class Lanes>
COVLASSO_HD void certify_target(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k) {
  TargetState& st = A.state[k];
  if (st.status != kActive) return;
  const int64_t p = C.p;
  const double *beta = A.beta + k * p, *q = A.q + k * p, *s = A.s + k * p;
  const Penalty pen = C.penalty(st.l1, st.l2);
  CertificateSums sums;
  for (int64_t j = L.lane(); j < p; j += L.count()) {
    sums.add(static_cast<size_t>(j), beta[j], q[j], s[j], C.diag[j], pen, j == st.exclude);
  }
  const Certificate cert = finish_certificate(reduce_sums(L, sums), st.d, pen);
  L.sync();
  if (L.lane() != 0) return;
  st.cert = cert;
  const Verdict verdict = judge(cert, st.target_gap);
  if (verdict == Verdict::NotConvex) {
    st.status = kNotConvex;
  } else if (verdict == Verdict::Converged) {
    st.status = kConverged;
  } else if (st.iterations >= C.max_iter) {
    st.status = kExhausted;
  }
  publish_control(A, k);
}

// What coordinate j is for the working set: 1 = always in it (a non-zero, or unpenalised and
// movable), 2 = a violator with `*key` ordering it by how much (the bits of a positive double
// order like the double), 0 = neither.
struct WorkingSetRule {
  const SolverConstants& C;
  const TargetState& st;
  Penalty pen;
  double threshold;
  const double *s, *q, *beta;

  COVLASSO_HD int classify(int64_t j, uint64_t* key) const {
    const bool movable = j != st.exclude && C.diag[j] + pen.l2 > 0;
    const double w = pen.weight(static_cast<size_t>(j));
    if (beta[j] != 0 || (movable && w == 0)) return 1;
    if (!movable) return 0;
    const double excess = (pen.violation(s[j] - q[j], static_cast<size_t>(j)) + pen.l1 * w) / w - threshold;
    if (!(excess > 0)) return 0;
    std::memcpy(key, &excess, sizeof excess);
    return 2;
  }
};

// W = the mandatory coordinates ∪ the `take` violators with the largest excess (ties: smaller j
// first), take = min(#violators, max(kMinWorkingGrowth, #mandatory)), ascending. The violators
// are found by a radix select over the excess bits, 8 bits a pass (hist: 256 ints the lanes
// share), stopping as soon as the boundary bin is taken whole.
template <class Lanes>
COVLASSO_HD void select_working_set(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k, int* hist) {
  L.sync();  // the certificate's verdict (lane 0) is visible: the two run in one kernel
  TargetState& st = A.state[k];
  if (st.status != kActive) return;
  const int64_t p = C.p;
  const WorkingSetRule rule{C, st, C.penalty(st.l1, st.l2), std::fmin(st.l1, st.strong_l1),
                            A.s + k * p, A.q + k * p, A.beta + k * p};
  int mandatory = 0, violators = 0;
  for (int64_t j = L.lane(); j < p; j += L.count()) {
    uint64_t key = 0;
    const int c = rule.classify(j, &key);
    mandatory += c == 1;
    violators += c == 2;
  }
  mandatory = L.sum_int(mandatory);
  violators = L.sum_int(violators);
  const int take = violators < (mandatory > kMinWorkingGrowth ? mandatory : kMinWorkingGrowth)
                       ? violators
                       : (mandatory > kMinWorkingGrowth ? mandatory : kMinWorkingGrowth);
  // A violator is taken when its key, masked to the digits found, is above `prefix`, or equal
  // to it and among the first `need` such in index order.
  uint64_t prefix = 0, mask = 0;
  int need = take;
  if (take < violators) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      for (int b = L.lane(); b < 256; b += L.count()) hist[b] = 0;
      L.sync();
      for (int64_t j = L.lane(); j < p; j += L.count()) {
        uint64_t key = 0;
        if (rule.classify(j, &key) == 2 && (key & mask) == prefix) {
          L.atomic_add(&hist[(key >> shift) & 255u], 1);
        }
      }
      L.sync();
      int above = 0, bin = 255;
      for (; bin > 0; --bin) {
        if (above + hist[bin] >= need) break;
        above += hist[bin];
      }
      const int in_bin = hist[bin];
      L.sync();  // every lane has read the histogram before the next pass clears it
      need -= above;
      prefix |= static_cast<uint64_t>(bin) << shift;
      mask |= static_cast<uint64_t>(255) << shift;
      if (in_bin == need) break;
    }
  }
  int32_t* working = A.working + k * p;
  int w = 0, ties = 0;
  for (int64_t base = 0; base < p; base += L.count()) {
    const int64_t j = base + L.lane();
    uint64_t key = 0;
    const int c = j < p ? rule.classify(j, &key) : 0;
    const bool tie = c == 2 && (key & mask) == prefix;
    int tie_total = 0;
    const int tie_before = L.prefix(tie, &tie_total);
    const bool in = c == 1 || (c == 2 && (key & mask) > prefix) || (tie && ties + tie_before < need);
    int total = 0;
    const int before = L.prefix(in, &total);
    if (in) working[w + before] = static_cast<int32_t>(j);
    w += total;
    ties += tie_total;
  }
  L.sync();
  if (L.lane() != 0) return;
  st.w = w;
  st.strong_l1 = std::numeric_limits<double>::infinity();  // the strong rule only seeds the first round
  // The same working set again means the gap is left by rounding drift in q_W: go further.
  if (w == st.previous_size) st.inner_gap *= 0.1;
  st.previous_size = w;
  if (w == 0) st.status = kStuck;  // nothing can move (e.g. non-PSD input): honest non-convergence
  publish_control(A, k);
}

// Packs G_WW and W's vectors into the target's scratch and starts a working-set solve.
template <class Lanes>
COVLASSO_HD void pack_target(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k,
                             const WorkingScratch& v) {
  TargetState& st = A.state[k];
  const int64_t p = C.p, w = st.w;
  const int32_t* working = A.working + k * p;
  for (int64_t e = L.lane(); e < w * w; e += L.count()) {
    v.gram[e] = C.gram[static_cast<int64_t>(working[e / w]) * p + working[e % w]];
  }
  for (int64_t a = L.lane(); a < w; a += L.count()) {
    const int64_t j = working[a];
    v.s[a] = A.s[k * p + j];
    v.q[a] = A.q[k * p + j];
    v.beta[a] = A.beta[k * p + j];
    v.diag[a] = C.diag[j];
    v.weights[a] = C.weights != nullptr ? C.weights[j] : 1.0;
  }
  L.sync();
  if (L.lane() == 0) {
    st.inner_sweeps = 0, st.since_newton = 0, st.settled = 0, st.newton_failed = 0, st.inner_done = 0;
    publish_control(A, k);
  }
}

// Continues target k's working-set solve for at most max_sweeps sweeps (and never past
// max_iter). When it ends, writes β_W back and rebuilds the support list.
template <class Lanes>
COVLASSO_HD void sweep_target(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k,
                              const WorkingScratch& v, int64_t max_sweeps) {
  TargetState& st = A.state[k];
  const int64_t p = C.p, w = st.w;
  const int64_t left = C.max_iter - st.iterations;
  Penalty pen = C.penalty(st.l1, st.l2);
  pen.weights = v.weights;
  const WorkingSetSolver<Lanes> solver{L, v, w, st.d, pen};
  bool finished = false;
  // As the CPU: off a path (no previous λ) a round's sweeps stop at a tenth of the full gap.
  const double full_gap = st.cert.gap > st.cert.unpenalised_kkt ? st.cert.gap : st.cert.unpenalised_kkt;
  const double relative = kRelativeInnerGap * full_gap;
  const double round_gap = st.previous_l1 < 0 && relative > st.inner_gap ? relative : st.inner_gap;
  const int64_t done = solver.run(st, round_gap, max_sweeps < left ? max_sweeps : left, &finished);
  const int64_t iterations = st.iterations + done;
  L.sync();
  if (L.lane() == 0) st.iterations = iterations;
  if (!finished && iterations < C.max_iter) {
    if (L.lane() == 0) publish_control(A, k);
    return;
  }
  const int32_t* working = A.working + k * p;
  double* beta = A.beta + k * p;
  int32_t* support = A.support + k * p;
  int n = 0;
  for (int64_t base = 0; base < w; base += L.count()) {
    const int64_t a = base + L.lane();
    const double b = a < w ? v.beta[a] : 0.0;
    if (a < w) beta[working[a]] = b;
    int total = 0;
    const int before = L.prefix(b != 0, &total);
    if (b != 0) support[n + before] = working[a];
    n += total;
  }
  L.sync();
  if (L.lane() == 0) {
    st.nnz = n;
    st.inner_done = 1;
    publish_control(A, k);
  }
}

// The part of a working-set solve that the CUDA kernel keeps in shared memory when it fits:
// G_WW and the six vectors the sweeps touch (shared_doubles(w) doubles at `shared`).
COVLASSO_HD inline int64_t shared_doubles(int64_t w) { return w * w + 6 * w; }

template <class Lanes>
COVLASSO_HD WorkingScratch stage_in(const Lanes& L, const WorkingScratch& v, int64_t w, double* shared) {
  WorkingScratch out = v;
  double* at = shared;
  out.gram = at, at += w * w;
  double* const* from[] = {&v.s, &v.q, &v.beta, &v.diag, &v.weights, &v.cand_q};
  double** to[] = {&out.s, &out.q, &out.beta, &out.diag, &out.weights, &out.cand_q};
  for (int i = 0; i < 6; ++i) *to[i] = at, at += w;
  for (int64_t e = L.lane(); e < w * w; e += L.count()) out.gram[e] = v.gram[e];
  for (int i = 0; i < 5; ++i) {  // cand_q holds nothing between launches
    for (int64_t a = L.lane(); a < w; a += L.count()) (*to[i])[a] = (*from[i])[a];
  }
  L.sync();
  return out;
}

// Copies what a later launch continues from (β_W, q_W) back to the target's scratch.
template <class Lanes>
COVLASSO_HD void stage_out(const Lanes& L, const WorkingScratch& staged, const WorkingScratch& home, int64_t w) {
  L.sync();
  for (int64_t a = L.lane(); a < w; a += L.count()) home.beta[a] = staged.beta[a], home.q[a] = staged.q[a];
  L.sync();
}

// After the last round at this λ: remember λ for the strong rule, end the path if asked.
template <class Lanes>
COVLASSO_HD void end_lambda(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k) {
  L.sync();
  if (L.lane() != 0) return;
  TargetState& st = A.state[k];
  if (st.status == kStopped) return;
  st.previous_l1 = st.l1;
  if (C.stop_relative_error > 0 && st.d > 0 && st.cert.residual_variance <= C.stop_relative_error * st.d) st.stopped = 1;
}

// The support and its coefficients from `offset` on.
template <class Lanes>
COVLASSO_HD void export_target(const Lanes& L, const SolverConstants& C, const ChunkArrays& A, int64_t k, int64_t offset,
                               int32_t* indices, double* values) {
  const int64_t p = C.p;
  const int32_t nnz = A.state[k].nnz;
  for (int64_t e = L.lane(); e < nnz; e += L.count()) {
    const int32_t j = A.support[k * p + e];
    indices[offset + e] = j;
    values[offset + e] = A.beta[k * p + j];
  }
}

}  // namespace cuda
}  // namespace covlasso
