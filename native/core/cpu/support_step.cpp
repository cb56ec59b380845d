// Newton / active-set steps on the support of the working set (support_step.hpp).
//
// Once the signs on W have settled, CD converges to the solution x of the stationarity
// equations on the support A: (G_AA + λ₂) x = s_A − λ₁ w_A sign(β_A). Solving them directly
// (Cholesky, |A|³/3 flops, about one sweep's cost) replaces the slow linear tail of CD on badly
// conditioned blocks. On the current sign orthant the objective is a convex quadratic with its
// minimum at x, so moving from β towards x lowers it all the way; when some coordinate would
// change sign, the step stops where the first one reaches zero (an active-set step).
//
// Real logit covariances are singular (a width-d head gives rank ≤ d + 1), so at small λ the
// support can hold more categories than the rank and G_AA is singular: the solution is not
// unique and CD crawls along the null directions, where only the ℓ1 term decides. There the
// Cholesky reports the first dependent column j; v = (−G_KK⁻¹ G_Kj, 1) spans a null direction,
// along which the sign-fixed objective is linear, so moving along ±v (whichever does not
// increase it) until a coordinate reaches zero shrinks the support by one. Repeating this
// reaches a full-rank support, where the Newton step above applies.
#include "support_step.hpp"

#include <algorithm>
#include <cmath>

#include "small_linalg.hpp"

namespace covlasso {

namespace {

constexpr size_t kMaxRaySteps = 32;
constexpr double kPivotTolerance = 1e-12;

}  // namespace

void SupportStep::start() {
  settled_ = 0;
  failed_ = false;
  since_step_ = 0;
}

// A step costs |A|³/3 flops, a sweep at least |A|²: spacing the steps |A|/3 sweeps apart keeps
// them within the cost of the sweeps themselves.
void SupportStep::after_sweep(WorkingSet& ws, bool signs_changed) {
  settled_ = signs_changed ? 0 : settled_ + 1;
  if (signs_changed) failed_ = false;
  ++since_step_;
  if (settled_ >= kSettledSweeps && !failed_ && 3 * since_step_ >= static_cast<int64_t>(ws.nonzeros())) {
    since_step_ = 0;
    failed_ = !try_step(ws);
  }
}

// The candidate starts at ws's point; move_candidate sets coordinate support_[i] to `next`,
// keeping candidate_q_ = G_WW candidate_.
void SupportStep::start_candidate(const WorkingSet& ws) {
  candidate_.assign(ws.beta(), ws.beta() + ws.size());
  candidate_q_.assign(ws.q(), ws.q() + ws.size());
}

void SupportStep::move_candidate(const WorkingSet& ws, size_t i, double next) {
  const size_t a = support_[i];
  ws.add_row(a, next - ws.beta()[a], candidate_q_.data());
  candidate_[a] = next;
}

// Moves β_A towards `target` (indexed like support_), stopping where a coordinate reaches zero.
bool SupportStep::step_towards(WorkingSet& ws, const double* target) {
  const double* beta = ws.beta();
  const size_t m = support_.size();
  double step = 1;      // fraction of the way from β_A to the target
  size_t blocking = m;  // the coordinate that reaches zero first, if any
  for (size_t i = 0; i < m; ++i) {
    const double b = beta[support_[i]];
    if (target[i] * b > 0) continue;
    const double t = b / (b - target[i]);
    if (t < step) step = t, blocking = i;
  }
  if (!(step > 0)) return false;
  start_candidate(ws);
  for (size_t i = 0; i < m; ++i) {
    const double b = beta[support_[i]];
    move_candidate(ws, i, i == blocking ? 0.0 : b + step * (target[i] - b));
  }
  return ws.accept(candidate_, candidate_q_, false);
}

// Moves β_A along ±direction (a null direction of G_AA + λ₂) until a coordinate reaches zero,
// choosing the sign that does not increase the (then linear) objective.
bool SupportStep::ray_step(WorkingSet& ws, const double* direction) {
  const double* beta = ws.beta();
  const size_t m = support_.size();
  double slope = 0;  // d/dt of the sign-fixed objective along +direction: −rhsᵀv
  for (size_t i = 0; i < m; ++i) slope -= rhs_[i] * direction[i];
  const auto first_zero = [&](double sign, size_t& blocking) {
    double best = HUGE_VAL;
    for (size_t i = 0; i < m; ++i) {
      const double b = beta[support_[i]];
      const double v = sign * direction[i];
      if (v * b < 0 && -b / v < best) best = -b / v, blocking = i;
    }
    return best;
  };
  double sign = slope <= 0 ? 1.0 : -1.0;
  size_t blocking = m;
  double t = first_zero(sign, blocking);
  if (t == HUGE_VAL) {  // no boundary ahead: only possible when the slope is (numerically) zero
    sign = -sign;
    t = first_zero(sign, blocking);
    if (t == HUGE_VAL) return false;
  }
  start_candidate(ws);
  for (size_t i = 0; i < m; ++i) {
    move_candidate(ws, i, i == blocking ? 0.0 : beta[support_[i]] + t * sign * direction[i]);
  }
  return ws.accept(candidate_, candidate_q_, true);
}

bool SupportStep::try_step(WorkingSet& ws) {
  const Penalty& packed = ws.penalty();
  bool moved = false;
  for (size_t attempt = 0; attempt < kMaxRaySteps; ++attempt) {
    const double* beta = ws.beta();
    support_.clear();
    for (size_t a = 0; a < ws.size(); ++a) {
      if (beta[a] != 0) support_.push_back(a);
    }
    const size_t m = support_.size();
    if (m == 0 || m > kMaxNewtonSupport) return moved;
    system_.resize(m * m);
    rhs_.resize(m);
    solution_.resize(m);
    dropped_.resize(m);
    for (size_t i = 0; i < m; ++i) {
      const size_t a = support_[i];
      for (size_t j = 0; j < m; ++j) system_[i * m + j] = ws.gram_entry(a, support_[j]);
      system_[i * m + i] += packed.l2;
      rhs_[i] = ws.s()[a] - packed.l1 * packed.weight(a) * (beta[a] > 0 ? 1 : -1);
    }
    if (!cholesky_factor(system_.data(), m, kPivotTolerance, dropped_.data())) return moved;
    const size_t first = static_cast<size_t>(std::find(dropped_.begin(), dropped_.end(), 1) - dropped_.begin());
    if (first == m) {
      cholesky_solve_factored(system_.data(), m, rhs_.data(), solution_.data(), dropped_.data());
      return step_towards(ws, solution_.data()) || moved;
    }
    // Column `first` of the system, from the strict lower triangle (left intact by the factor).
    column_.assign(m, 0.0);
    for (size_t k = 0; k < m; ++k) {
      if (k != first && !dropped_[k]) column_[k] = k < first ? system_[first * m + k] : system_[k * m + first];
    }
    null_.resize(m);
    cholesky_solve_factored(system_.data(), m, column_.data(), null_.data(), dropped_.data());
    for (double& v : null_) v = -v;
    null_[first] = 1;
    if (!ray_step(ws, null_.data())) return moved;
    moved = true;
  }
  return moved;
}

}  // namespace covlasso
