// The working-set solve of one target, run by the lanes of one warp (lanes.cuh): cyclic
// coordinate descent on the packed block G_WW with q_W = (Gβ)_W kept incrementally, Newton /
// null-direction steps on the support once the signs settle, and Anderson extrapolation every
// kAndersonDepth + 1 sweeps, until W's own duality gap is within the inner tolerance. It is the
// CPU solver's inner loop (native/core/cpu/lasso_target.cpp, support_step.cpp, anderson.cpp:
// the same rules, constants and acceptance tests), with every O(w) loop split over the lanes and
// every reduction a deterministic all-reduce. The solve may span several kernel launches: its
// counters live in the TargetState and its iterates in the WorkingScratch.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "lanes.cuh"
#include "lasso_state.cuh"
#include "linalg_lanes.cuh"

namespace covlasso {
namespace cuda {

template <class Lanes>
COVLASSO_HD CertificateSums reduce_sums(const Lanes& L, CertificateSums s) {
  s.beta_s = L.sum(s.beta_s);
  s.beta_q = L.sum(s.beta_q);
  s.l1 = L.sum(s.l1);
  s.l2 = L.sum(s.l2);
  s.nu = L.max(s.nu);
  s.kkt = L.max(s.kkt);
  s.unpenalised = L.sum(s.unpenalised);
  return s;
}

template <class Lanes>
struct WorkingSetSolver {
  const Lanes& L;
  WorkingScratch v;  // gram, s, q, beta, diag, weights may point to shared memory
  int64_t w;
  double d;
  Penalty pen;       // with the packed weights (pen.weights == v.weights)

  COVLASSO_HD Certificate certificate(const double* beta, const double* q) const {
    L.sync();
    CertificateSums sums;
    for (int64_t a = L.lane(); a < w; a += L.count()) {
      sums.add(static_cast<size_t>(a), beta[a], q[a], v.s[a], v.diag[a], pen, false);
    }
    return finish_certificate(reduce_sums(L, sums), d, pen);
  }

  COVLASSO_HD void copy(double* dst, const double* src) const {
    for (int64_t a = L.lane(); a < w; a += L.count()) dst[a] = src[a];
    L.sync();
  }

  // q += factor · G_{a,W}: each lane its own entries (no synchronisation needed between rows).
  COVLASSO_HD void add_row(int64_t a, double factor, double* q) const {
    const double* row = v.gram + a * w;
    for (int64_t b = L.lane(); b < w; b += L.count()) q[b] += factor * row[b];
  }

  COVLASSO_HD int nonzeros() const {
    int n = 0;
    for (int64_t a = L.lane(); a < w; a += L.count()) n += v.beta[a] != 0;
    return L.sum_int(n);
  }

  // One cyclic sweep over W; returns whether any sign changed.
  COVLASSO_HD bool sweep() const {
    bool changed = false;
    for (int64_t a = 0; a < w; ++a) {
      const double old = v.beta[a];
      const double z = v.s[a] - v.q[a] + v.diag[a] * old;
      const double next = pen.coordinate_minimum(z, v.diag[a], static_cast<size_t>(a));
      if (next == old) continue;
      changed |= (next > 0) != (old > 0) || (next < 0) != (old < 0);
      L.sync();  // every lane has read β_a and q_a
      if (L.lane() == 0) v.beta[a] = next;
      add_row(a, next - old, v.q);
      L.sync();
    }
    return changed;
  }

  // Keeps (cand, cand_q) if it lowers the objective on W (or keeps it equal, when allowed).
  COVLASSO_HD bool accept_candidate(bool allow_equal) const {
    const double next = certificate(v.cand, v.cand_q).objective;
    const double now = certificate(v.beta, v.q).objective;
    if (!(next < now || (allow_equal && next <= now))) return false;
    copy(v.beta, v.cand);
    copy(v.q, v.cand_q);
    return true;
  }

  // cand = β with the support moved along `delta_of(i)` (i over the support), blocking → 0.
  template <class Next>
  COVLASSO_HD void move_support(int64_t m, int64_t blocking, const Next& next_of) const {
    copy(v.cand, v.beta);
    copy(v.cand_q, v.q);
    for (int64_t i = 0; i < m; ++i) {
      const int64_t a = v.support[i];
      const double next = i == blocking ? 0.0 : next_of(i, v.beta[a]);
      add_row(a, next - v.beta[a], v.cand_q);
      if (L.lane() == 0) v.cand[a] = next;
    }
    L.sync();
  }

  // Moves β_A towards `target` (indexed like the support), stopping where a coordinate reaches 0.
  COVLASSO_HD bool step_towards(const double* target, int64_t m) const {
    MinIndex best{1.0, static_cast<int>(m)};
    for (int64_t i = L.lane(); i < m; i += L.count()) {
      const double b = v.beta[v.support[i]];
      if (target[i] * b > 0) continue;
      const double t = b / (b - target[i]);
      if (t < 1.0) best = min_of(best, MinIndex{t, static_cast<int>(i)});
    }
    best = L.min_index(best.value, best.index);
    const double step = best.value;
    if (!(step > 0)) return false;
    move_support(m, best.index, [&](int64_t i, double b) { return b + step * (target[i] - b); });
    return accept_candidate(false);
  }

  // The first coordinate of the support to reach zero moving along sign·direction.
  COVLASSO_HD MinIndex first_zero(const double* direction, int64_t m, double sign) const {
    MinIndex best{std::numeric_limits<double>::infinity(), static_cast<int>(m)};
    for (int64_t i = L.lane(); i < m; i += L.count()) {
      const double b = v.beta[v.support[i]];
      const double dir = sign * direction[i];
      if (dir * b < 0 && -b / dir < best.value) best = MinIndex{-b / dir, static_cast<int>(i)};
    }
    return L.min_index(best.value, best.index);
  }

  // Moves β_A along ±direction (a null direction of the Newton system) until a coordinate
  // reaches zero, choosing the sign that does not increase the (then linear) objective.
  COVLASSO_HD bool ray_step(const double* direction, int64_t m) const {
    double part = 0;
    for (int64_t i = L.lane(); i < m; i += L.count()) part -= v.rhs[i] * direction[i];
    const double slope = L.sum(part);
    double sign = slope <= 0 ? 1.0 : -1.0;
    MinIndex hit = first_zero(direction, m, sign);
    if (hit.value == std::numeric_limits<double>::infinity()) {
      sign = -sign;
      hit = first_zero(direction, m, sign);
      if (hit.value == std::numeric_limits<double>::infinity()) return false;
    }
    const double t = hit.value;
    move_support(m, hit.index, [&](int64_t i, double b) { return b + t * sign * direction[i]; });
    return accept_candidate(true);
  }

  // The support of β_W into v.support (ascending); returns its size.
  COVLASSO_HD int64_t collect_support() const {
    int64_t m = 0;
    for (int64_t base = 0; base < w; base += L.count()) {
      const int64_t a = base + L.lane();
      const bool on = a < w && v.beta[a] != 0;
      int total = 0;
      const int before = L.prefix(on, &total);
      if (on) v.support[m + before] = static_cast<int32_t>(a);
      m += total;
    }
    L.sync();
    return m;
  }

  // Newton steps on the support (support_step.cpp): solve the stationarity equations by
  // Cholesky; where the system is singular, shrink the support along null directions first.
  COVLASSO_HD bool try_support_step() const {
    bool moved = false;
    for (int attempt = 0; attempt < kMaxRaySteps; ++attempt) {
      const int64_t m = collect_support();
      if (m == 0 || m > kMaxNewtonSupport) return moved;
      for (int64_t e = L.lane(); e < m * m; e += L.count()) {
        const int64_t i = e / m, j = e % m;
        const double g = v.gram[static_cast<int64_t>(v.support[i]) * w + v.support[j]];
        v.system[e] = i == j ? g + pen.l2 : g;
      }
      for (int64_t i = L.lane(); i < m; i += L.count()) {
        const int64_t a = v.support[i];
        v.rhs[i] = v.s[a] - pen.l1 * pen.weight(static_cast<size_t>(a)) * (v.beta[a] > 0 ? 1 : -1);
      }
      L.sync();
      if (!lanes_cholesky_factor(L, v.system, m, kPivotTolerance, v.dropped)) return moved;
      int first_local = static_cast<int>(m);
      for (int64_t i = L.lane(); i < m; i += L.count()) {
        if (v.dropped[i] != 0 && i < first_local) first_local = static_cast<int>(i);
      }
      const int64_t first = L.min_index(first_local, first_local).index;
      if (first == m) {
        lanes_cholesky_solve(L, v.system, m, v.rhs, v.solution, v.dropped);
        return step_towards(v.solution, m) || moved;
      }
      // Column `first` of the system, from the strict lower triangle (left intact).
      for (int64_t k = L.lane(); k < m; k += L.count()) {
        const bool use = k != first && v.dropped[k] == 0;
        v.column[k] = !use ? 0.0 : k < first ? v.system[first * m + k] : v.system[k * m + first];
      }
      L.sync();
      lanes_cholesky_solve(L, v.system, m, v.column, v.null_dir, v.dropped);
      for (int64_t k = L.lane(); k < m; k += L.count()) v.null_dir[k] = k == first ? 1.0 : -v.null_dir[k];
      L.sync();
      if (!ray_step(v.null_dir, m)) return moved;
      moved = true;
    }
    return moved;
  }

  // Anderson extrapolation of the last kAndersonDepth + 1 iterates (anderson.cpp) into cand.
  COVLASSO_HD bool anderson_extrapolate() const {
    constexpr int k = kAndersonDepth;
    double utu[k * k];
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j <= i; ++j) {
        const double* a0 = v.history + i * w;
        const double* a1 = a0 + w;
        const double* b0 = v.history + j * w;
        const double* b1 = b0 + w;
        double dot = 0;
        for (int64_t e = L.lane(); e < w; e += L.count()) dot += (a1[e] - a0[e]) * (b1[e] - b0[e]);
        utu[i * k + j] = utu[j * k + i] = L.sum(dot);
      }
    }
    double scale = 0;
    for (int i = 0; i < k; ++i) scale = std::fmax(scale, utu[i * k + i]);
    for (int i = 0; i < k; ++i) utu[i * k + i] += 1e-10 * scale;
    double ones[k], z[k];
    for (int i = 0; i < k; ++i) ones[i] = 1.0;
    const SingleLane one;  // the 5×5 solve is done by every lane on its own copy
    if (!lanes_cholesky_factor(one, utu, k, 0.0, nullptr)) return false;
    lanes_cholesky_solve(one, utu, k, ones, z, nullptr);
    double total = 0;
    for (int i = 0; i < k; ++i) total += z[i];
    if (!(std::fabs(total) > 0) || !std::isfinite(total)) return false;
    for (int64_t e = L.lane(); e < w; e += L.count()) {
      double out = 0;
      for (int i = 0; i < k; ++i) out += (z[i] / total) * v.history[(i + 1) * w + e];
      v.cand[e] = out;
    }
    L.sync();
    return true;
  }

  COVLASSO_HD void try_anderson_step() const {
    if (!anderson_extrapolate()) return;
    if (pen.positive) {
      for (int64_t a = L.lane(); a < w; a += L.count()) v.cand[a] = std::fmax(v.cand[a], 0.0);
      L.sync();
    }
    for (int64_t b = L.lane(); b < w; b += L.count()) {  // cand_q = G_WW cand, summed in a order
      double acc = 0;
      for (int64_t a = 0; a < w; ++a) {
        if (v.cand[a] != 0) acc += v.cand[a] * v.gram[a * w + b];
      }
      v.cand_q[b] = acc;
    }
    L.sync();
    if (certificate(v.cand, v.cand_q).objective < certificate(v.beta, v.q).objective) {
      copy(v.beta, v.cand);
      copy(v.q, v.cand_q);
    }
  }

  // Sweeps until W's certificate is within inner_gap or max_sweeps are done, continuing the
  // counters of `st` (the same solve may continue in the next launch). Returns the sweeps done;
  // *finished says whether the inner tolerance was reached.
  COVLASSO_HD int64_t run(TargetState& st, double inner_gap, int64_t max_sweeps, bool* finished) const {
    int64_t sweeps = st.inner_sweeps, since_newton = st.since_newton;
    int settled = st.settled;
    bool newton_failed = st.newton_failed != 0;
    int64_t done = 0;
    *finished = false;
    while (done < max_sweeps) {
      ++done, ++sweeps;
      const bool changed = sweep();
      settled = changed ? 0 : settled + 1;
      if (changed) newton_failed = false;
      ++since_newton;
      // A support step costs |A|³/3 flops, a sweep at least |A|²: spacing them |A|/3 sweeps
      // apart keeps them within the cost of the sweeps themselves.
      if (settled >= kSettledSweeps && !newton_failed && 3 * since_newton >= nonzeros()) {
        since_newton = 0;
        newton_failed = !try_support_step();
      }
      const Certificate cert = certificate(v.beta, v.q);
      if (cert.gap <= inner_gap && cert.unpenalised_kkt <= inner_gap) {
        *finished = true;
        break;
      }
      const int64_t slot = (sweeps - 1) % (kAndersonDepth + 1);
      copy(v.history + slot * w, v.beta);
      if (slot == kAndersonDepth) try_anderson_step();
    }
    L.sync();
    if (L.lane() == 0) {
      st.inner_sweeps = sweeps;
      st.since_newton = since_newton;
      st.settled = settled;
      st.newton_failed = newton_failed ? 1 : 0;
    }
    return done;
  }
};

}  // namespace cuda
}  // namespace covlasso
