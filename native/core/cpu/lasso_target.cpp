#include "lasso_target.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "anderson.hpp"
#include "vector_ops.hpp"

namespace covlasso {

namespace {

// Violators added per round besides the current non-zeros: enough to grow quickly, few enough
// that the packed working set stays small (its cost per sweep is |W| per changed coordinate).
constexpr size_t kMinWorkingGrowth = 10;

size_t count_nonzero(const std::vector<double>& v) {
  size_t n = 0;
  for (double x : v) n += x != 0;
  return n;
}

}  // namespace

TargetSolver::TargetSolver(const LassoProblem& problem, const LassoSettings& settings, const CancelFlag* cancel)
    : problem_(problem), settings_(settings), cancel_(cancel), p_(problem.gram.rows), diag_(problem.gram_diagonal), s_(p_), beta_(p_), q_(p_) {}

Penalty TargetSolver::penalty_at(double lambda) const {
  return Penalty::at(lambda, settings_.l1_ratio, settings_.positive, problem_.penalty_factor);
}

double TargetSolver::load_target(int64_t t, const SparseCoef* warm) {
  const DoubleMatrixView& cross = problem_.cross;
  for (int64_t j = 0; j < p_; ++j) s_[j] = cross.at(j, t);
  d_ = problem_.variance[t];
  exclude_ = problem_.exclude_self ? t : -1;
  std::fill(beta_.begin(), beta_.end(), 0.0);
  previous_l1_ = -1;
  if (warm != nullptr) {
    for (size_t e = 0; e < warm->indices.size(); ++e) {
      const int32_t j = warm->indices[e];
      if (j < 0 || j >= p_ || j == exclude_ || !std::isfinite(warm->values[e]) ||
          (settings_.positive && warm->values[e] < 0)) {
        throw Error(ErrorCode::InvalidArgument, "warm start for target " + std::to_string(t) +
                                                    " has an invalid coefficient at " + std::to_string(j));
      }
      beta_[j] = warm->values[e];
    }
  }
  return penalty_at(1.0).lambda_max(s_.data(), static_cast<size_t>(p_), exclude_);
}

// q = Gβ from scratch, summing over the non-zeros in index order (deterministic, no drift).
void TargetSolver::recompute_q() {
  std::fill(q_.begin(), q_.end(), 0.0);
  for (int64_t j = 0; j < p_; ++j) {
    const double b = beta_[j];
    if (b == 0) continue;
    axpy(static_cast<size_t>(p_), b, problem_.gram.row(j), q_.data());  // G symmetric: row j = column j
  }
}

// W = non-zeros ∪ unpenalised coordinates ∪ the strongest candidates: KKT violators at λ₁, or,
// in the first round along a path, coordinates in the sequential strong set (violating at
// strong_l1 = 2λ₁ − λ₁_prev, from the previous λ's solution). Candidates are ranked by
// |g_j|/w_j and at most max(kMinWorkingGrowth, |non-zeros|) join per round: on correlation-like
// matrices the strong set is large and mostly inactive, and packing it costs |W|².
void TargetSolver::choose_working_set(const Penalty& pen, double strong_l1) {
  working_.clear();
  candidates_.clear();
  const double threshold = std::min(pen.l1, strong_l1);
  for (int64_t j = 0; j < p_; ++j) {
    const bool movable = j != exclude_ && diag_[j] + pen.l2 > 0;
    const double w = pen.weight(j);
    if (beta_[j] != 0 || (movable && w == 0)) {
      working_.push_back(static_cast<int32_t>(j));
      continue;
    }
    if (!movable) continue;
    const double excess = (pen.violation(s_[j] - q_[j], j) + pen.l1 * w) / w - threshold;  // β_j = 0
    if (excess > 0) candidates_.emplace_back(-excess, static_cast<int32_t>(j));
  }
  const size_t take = std::min(candidates_.size(), std::max(kMinWorkingGrowth, working_.size()));
  std::partial_sort(candidates_.begin(), candidates_.begin() + take, candidates_.end());
  for (size_t k = 0; k < take; ++k) working_.push_back(candidates_[k].second);
  std::sort(working_.begin(), working_.end());

  const size_t w = working_.size();
  packed_ = w <= kMaxPackedWorkingSet;
  gram_w_.resize(packed_ ? w * w : 0);
  s_w_.resize(w), q_w_.resize(w), beta_w_.resize(w), diag_w_.resize(w), weights_w_.resize(w);
  for (size_t a = 0; a < w; ++a) {
    const int32_t j = working_[a];
    const double* row = problem_.gram.row(j);
    if (packed_) {
      for (size_t b = 0; b < w; ++b) gram_w_[a * w + b] = row[working_[b]];
    }
    s_w_[a] = s_[j];
    q_w_[a] = q_[j];
    beta_w_[a] = beta_[j];
    diag_w_[a] = diag_[j];
    weights_w_[a] = pen.weight(j);
  }
}

// q_W += factor · G_{W, W[a]}: from the packed block, or gathered from G when W is too large
// to pack (memory stays O(p) per thread).
double TargetSolver::gram_entry(size_t a, size_t b) const {
  return packed_ ? gram_w_[a * working_.size() + b] : problem_.gram.at(working_[a], working_[b]);
}

void TargetSolver::add_row(size_t a, double factor, double* q) const {
  const size_t w = working_.size();
  if (packed_) {
    axpy(w, factor, &gram_w_[a * w], q);
    return;
  }
  const double* row = problem_.gram.row(working_[a]);
  for (size_t b = 0; b < w; ++b) q[b] += factor * row[working_[b]];
}

Penalty TargetSolver::packed_penalty(const Penalty& pen) const {
  Penalty packed = pen;
  packed.weights = weights_w_.data();
  return packed;
}

Certificate TargetSolver::working_certificate(const double* beta, const double* q, const Penalty& packed) const {
  return certify(working_.size(), beta, q, s_w_.data(), diag_w_.data(), d_, packed, -1);
}

// Keeps the Anderson-extrapolated point of the last sweeps if it lowers the objective on W.
void TargetSolver::try_anderson_step(const Penalty& packed) {
  const size_t w = working_.size();
  candidate_.resize(w);
  if (!anderson_extrapolate(history_.data(), w, candidate_.data())) return;
  if (packed.positive) {
    for (double& v : candidate_) v = std::max(v, 0.0);
  }
  candidate_q_.assign(w, 0.0);
  for (size_t a = 0; a < w; ++a) {
    if (candidate_[a] != 0) add_row(a, candidate_[a], candidate_q_.data());
  }
  if (working_certificate(candidate_.data(), candidate_q_.data(), packed).objective <
      working_certificate(beta_w_.data(), q_w_.data(), packed).objective) {
    beta_w_.swap(candidate_);
    q_w_.swap(candidate_q_);
  }
}

// Cyclic sweeps over the packed working set until its own certificate is within inner_gap.
// Returns the sweeps done.
int64_t TargetSolver::sweep_working_set(const Penalty& packed, double inner_gap, int64_t max_sweeps) {
  const size_t w = working_.size();
  history_.resize((kAndersonDepth + 1) * w);
  int64_t sweeps = 0;
  int settled = 0;             // consecutive sweeps without a sign change on W
  bool newton_failed = false;  // a support step was refused since the last sign change
  int64_t since_newton = 0;    // sweeps since the last support step
  while (sweeps < max_sweeps) {
    if (++sweeps % 64 == 0) throw_if_cancelled(cancel_);
    bool signs_changed = false;
    for (size_t a = 0; a < w; ++a) {
      const double old = beta_w_[a];
      const double z = s_w_[a] - q_w_[a] + diag_w_[a] * old;
      const double next = packed.coordinate_minimum(z, diag_w_[a], a);
      if (next == old) continue;
      signs_changed |= (next > 0) != (old > 0) || (next < 0) != (old < 0);
      const double delta = next - old;
      beta_w_[a] = next;
      add_row(a, delta, q_w_.data());
    }
    settled = signs_changed ? 0 : settled + 1;
    if (signs_changed) newton_failed = false;
    ++since_newton;
    // A support step costs |A|³/3 flops, a sweep at least |A|²: spacing the steps |A|/3 sweeps
    // apart keeps them within the cost of the sweeps themselves.
    if (settled >= kSettledSweeps && !newton_failed &&
        3 * since_newton >= static_cast<int64_t>(count_nonzero(beta_w_))) {
      since_newton = 0;
      newton_failed = !try_support_step(packed);
    }
    const Certificate cert = working_certificate(beta_w_.data(), q_w_.data(), packed);
    if (cert.gap <= inner_gap && cert.unpenalised_kkt <= inner_gap) break;
    const size_t slot = static_cast<size_t>((sweeps - 1) % (kAndersonDepth + 1));
    std::copy(beta_w_.begin(), beta_w_.end(), history_.begin() + slot * w);
    if (slot == kAndersonDepth) try_anderson_step(packed);
  }
  for (size_t a = 0; a < w; ++a) beta_[working_[a]] = beta_w_[a];
  return sweeps;
}

TargetSolver::Outcome TargetSolver::solve(double lambda) {
  const Penalty pen = penalty_at(lambda);
  Outcome outcome;
  const double target_gap = settings_.tol * d_;
  double inner_gap = 0.5 * target_gap;
  double strong_l1 = previous_l1_ > pen.l1 ? 2 * pen.l1 - previous_l1_ : HUGE_VAL;
  size_t previous_size = static_cast<size_t>(-1);
  recompute_q();
  for (;;) {
    outcome.certificate = certify(p_, beta_.data(), q_.data(), s_.data(), diag_, d_, pen, exclude_);
    if (outcome.certificate.gap <= target_gap && outcome.certificate.unpenalised_kkt <= target_gap) {
      outcome.converged = true;
      break;
    }
    if (outcome.iterations >= settings_.max_iter) break;
    throw_if_cancelled(cancel_);
    choose_working_set(pen, strong_l1);
    strong_l1 = HUGE_VAL;  // the strong rule only seeds the first round
    // The same working set again means the gap is left by rounding drift in q_W: go further.
    if (working_.size() == previous_size) inner_gap *= 0.1;
    previous_size = working_.size();
    if (working_.empty()) break;  // nothing can move (e.g. non-PSD input): honest non-convergence
    outcome.iterations += sweep_working_set(packed_penalty(pen), inner_gap, settings_.max_iter - outcome.iterations);
    recompute_q();
  }
  previous_l1_ = pen.l1;
  return outcome;
}

void TargetSolver::export_coef(SparseCoef& out) const {
  out.indices.clear();
  out.values.clear();
  for (int64_t j = 0; j < p_; ++j) {
    if (beta_[j] != 0) {
      out.indices.push_back(static_cast<int32_t>(j));
      out.values.push_back(beta_[j]);
    }
  }
}

}  // namespace covlasso
