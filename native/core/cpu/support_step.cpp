// Newton / active-set steps on the support of the working set (support_step.hpp).
//
// Once the signs on W have settled, CD converges to the solution x of the stationarity
// equations on the support A: (G_AA + λ₂) x = s_A − λ₁ w_A sign(β_A). Solving them directly
// replaces the slow linear tail of CD on badly conditioned blocks. On the current sign orthant
// the objective is a convex quadratic with its minimum at x, so moving from β towards x lowers
// it all the way; when some coordinate would change sign, the step stops where the first one
// reaches zero, that coordinate leaves the support, and the next Newton step follows (an
// active-set method). The factor of G_AA + λ₂ follows the support through these changes
// (updatable_cholesky.hpp: O(|A|²) per change instead of |A|³/3 per step), so a step costs about
// one sweep and can be tried as soon as the signs settle. On head logits (λ ratio 0.1) this cut
// the sweeps of C = 5000 from 1.13M to 0.30M and the solve from 25 s to 14 s, and a 100-λ path
// 8× (bench/RESULTS.md, issue #10); refactoring at every step had kept steps |A|/3 sweeps apart.
//
// Real logit covariances are singular (a width-d head gives rank ≤ d + 1), so at small λ the
// support can hold more categories than the rank and G_AA is singular: the solution is not
// unique and CD crawls along the null directions, where only the ℓ1 term decides. There the
// factor refuses a column j in the span of its members K; v = (−G_KK⁻¹ G_Kj, 1) spans a null direction,
// along which the sign-fixed objective is linear, so moving along ±v (whichever does not
// increase it) until a coordinate reaches zero shrinks the support by one. Repeating this
// reaches a full-rank support, where the Newton step above applies.
#include "support_step.hpp"

#include <algorithm>
#include <cmath>

namespace covlasso {

namespace {

// Active-set changes per try_step: each costs about one sweep (the candidate's q over W).
constexpr size_t kMaxPivots = 64;
constexpr double kPivotTolerance = 1e-12;

}  // namespace

void SupportStep::reset() {
  factor_.clear();
  positions_.clear();
}

void SupportStep::start(const WorkingSet& ws) {
  settled_ = 0;
  failed_ = false;
  since_step_ = 0;
  attach(ws);
}

// Maps the factor's members (coordinates of G) to their positions in ws's W, dropping those W
// no longer holds; a new λ₂ changes the matrix factored, so the factor starts afresh.
void SupportStep::attach(const WorkingSet& ws) {
  if (ws.penalty().l2 != factor_l2_) reset();
  factor_l2_ = ws.penalty().l2;
  const std::vector<int32_t>& indices = ws.indices();
  member_.assign(ws.size(), 0);
  positions_.resize(factor_.size());
  for (size_t k = factor_.size(); k-- > 0;) {
    const int32_t key = static_cast<int32_t>(factor_.keys()[k]);
    const auto at = std::lower_bound(indices.begin(), indices.end(), key);
    if (at == indices.end() || *at != key) {
      factor_.remove(k);
      positions_.erase(positions_.begin() + static_cast<std::ptrdiff_t>(k));
      continue;
    }
    positions_[k] = static_cast<size_t>(at - indices.begin());
  }
  for (size_t position : positions_) member_[position] = 1;
}

void SupportStep::remove_member(size_t k) {
  member_[positions_[k]] = 0;
  factor_.remove(k);
  positions_.erase(positions_.begin() + static_cast<std::ptrdiff_t>(k));
}

// A step costs about one sweep per support change, so it is tried whenever the signs have
// held for kSettledSweeps sweeps (unless the last one was refused since they last changed).
void SupportStep::after_sweep(WorkingSet& ws, bool signs_changed) {
  settled_ = signs_changed ? 0 : settled_ + 1;
  if (signs_changed) failed_ = false;
  ++since_step_;
  if (settled_ >= kSettledSweeps && !failed_ && since_step_ >= kSettledSweeps) {
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
  const double delta = next - ws.beta()[a];
  if (delta != 0) ws.add_row(a, delta, candidate_q_.data());
  candidate_[a] = next;
}

// Brings the factor to the support of ws's point: members that reached zero leave, new
// non-zeros join in position order. Returns false when the support is too large for a step;
// `dependent` is a position whose column the factor refused (or ws.size() if none).
bool SupportStep::sync_factor(WorkingSet& ws, size_t& dependent) {
  const double* beta = ws.beta();
  const size_t w = ws.size();
  dependent = w;
  for (size_t k = factor_.size(); k-- > 0;) {
    if (beta[positions_[k]] == 0) remove_member(k);
  }
  const double l2 = ws.penalty().l2;
  for (size_t a = 0; a < w; ++a) {
    if (beta[a] == 0 || member_[a]) continue;
    if (factor_.size() >= kMaxNewtonSupport) return false;
    column_.resize(positions_.size());
    for (size_t i = 0; i < positions_.size(); ++i) column_[i] = ws.gram_entry(positions_[i], a);
    if (!factor_.add(static_cast<size_t>(ws.indices()[a]), column_.data(), ws.gram_entry(a, a) + l2, kPivotTolerance)) {
      dependent = a;
      return true;
    }
    positions_.push_back(a);
    member_[a] = 1;
  }
  return true;
}

// Moves β_A towards `target` (indexed like support_), stopping where a coordinate reaches zero
// (blocked: that coordinate is set to zero).
bool SupportStep::step_towards(WorkingSet& ws, const double* target, bool& blocked) {
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
  blocked = blocking < m;
  if (!(step > 0)) return false;
  start_candidate(ws);
  for (size_t i = 0; i < m; ++i) {
    const double b = beta[support_[i]];
    move_candidate(ws, i, i == blocking ? 0.0 : b + step * (target[i] - b));
  }
  return ws.accept(candidate_, candidate_q_, false);
}

// Moves β along ±direction (over support_, a null direction of G + λ₂ there) until a coordinate
// reaches zero, choosing the sign that does not increase the (then linear) objective.
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
  if (member_.size() != ws.size()) attach(ws);  // called without start() (the unit tests do)
  const Penalty& packed = ws.penalty();
  bool moved = false;
  for (size_t pivot = 0; pivot < kMaxPivots; ++pivot) {
    size_t dependent;
    if (!sync_factor(ws, dependent)) return moved;
    const double* beta = ws.beta();
    const size_t m = positions_.size();
    if (m == 0 && dependent == ws.size()) return moved;
    support_.assign(positions_.begin(), positions_.end());
    if (dependent < ws.size()) support_.push_back(dependent);
    rhs_.resize(support_.size());
    for (size_t i = 0; i < support_.size(); ++i) {
      const size_t a = support_[i];
      rhs_[i] = ws.s()[a] - packed.l1 * packed.weight(a) * (beta[a] > 0 ? 1 : -1);
    }
    if (dependent == ws.size()) {
      solution_.resize(m);
      factor_.solve(rhs_.data(), solution_.data());
      bool blocked = false;
      if (!step_towards(ws, solution_.data(), blocked)) return moved;
      moved = true;
      if (!blocked) return true;
      continue;  // the blocking coordinate left the support: the next Newton step
    }
    // The refused column lies in the span of the members: (−A⁻¹ G_A,dep, 1) is a null direction.
    null_.resize(m + 1);
    factor_.null_direction(null_.data());
    for (size_t i = 0; i < m; ++i) null_[i] = -null_[i];
    null_[m] = 1;
    if (!ray_step(ws, null_.data())) return moved;
    moved = true;
  }
  return moved;
}

}  // namespace covlasso
