// TargetSolver: one target's outer loop (certify, choose W, sweep, recompute q) over the units of
// working_set.hpp, support_step.hpp and anderson.hpp (strategy in lasso_target.hpp).
#include "lasso_target.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace covlasso {

namespace {

// A round whose W misses violators only needs W solved well enough to find them: its sweeps stop
// at this fraction of the full gap (never below inner_gap, 0.5·tol·d, which shrinks ×0.1 when W
// repeats), so only the last rounds solve to tolerance. Measured on head logits C = 2000
// (bench/RESULTS.md, issue #10): sweeps 507k → 332k (−35 %) for rounds 10.1k → 12.7k; the
// sweeps are ~85 % of the solve there. 0.3 cut sweeps less per extra round. Only for a target's
// first λ: along a path the warm start's W is nearly right, and a 100-λ path of 100 targets at
// C = 3000 took 468 s with the rule on every λ against 400 s without.
constexpr double kRelativeInnerGap = 0.1;

}  // namespace

TargetSolver::TargetSolver(const LassoProblem& problem, const LassoSettings& settings, const CancelFlag* cancel)
    : problem_(problem),
      settings_(settings),
      cancel_(cancel),
      p_(problem.gram.rows),
      gram_(GramAccess::create(problem)),
      s_(p_),
      beta_(p_),
      q_(p_),
      working_(*gram_, problem.gram_diagonal, p_) {}

Penalty TargetSolver::penalty_at(double lambda) const {
  return Penalty::at(lambda, settings_.l1_ratio, settings_.positive, problem_.penalty_factor);
}

double TargetSolver::load_target(int64_t t, const SparseCoef* warm) {
  gram_->cross_column(t, s_.data());
  d_ = problem_.variance[t];
  exclude_ = problem_.exclude_self ? t : -1;
  std::fill(beta_.begin(), beta_.end(), 0.0);
  previous_l1_ = -1;
  support_.reset();
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

// q = Gβ from scratch, summing over the non-zeros in index order (deterministic, no drift);
// how depends on G's form (gram_access.hpp).
void TargetSolver::recompute_q() { gram_->times(beta_.data(), q_.data()); }

// Sweeps on the working set until its own certificate is within inner_gap, with support steps
// and Anderson extrapolation along the way. Returns the sweeps done.
int64_t TargetSolver::sweep_working_set(double inner_gap, int64_t max_sweeps) {
  history_.reset(working_.size());
  support_.start(working_);
  int64_t sweeps = 0;
  while (sweeps < max_sweeps) {
    if (++sweeps % 64 == 0) throw_if_cancelled(cancel_);
    support_.after_sweep(working_, working_.sweep());
    const Certificate cert = working_.certificate();
    if (cert.gap <= inner_gap && cert.unpenalised_kkt <= inner_gap) break;
    if (history_.record(working_.beta()) && history_.extrapolate(extrapolated_)) working_.offer(extrapolated_);
  }
  working_.store(beta_.data());
  return sweeps;
}

TargetSolver::Outcome TargetSolver::solve(double lambda) {
  const Penalty pen = penalty_at(lambda);
  Outcome outcome;
  const double target_gap = settings_.tol * d_;
  double inner_gap = 0.5 * target_gap;
  double strong_l1 = previous_l1_ > pen.l1 ? 2 * pen.l1 - previous_l1_ : HUGE_VAL;
  size_t previous_size = static_cast<size_t>(-1);
  const bool cold = previous_l1_ < 0;  // not along a path: see kRelativeInnerGap
  recompute_q();
  for (;;) {
    outcome.certificate = certify(p_, beta_.data(), q_.data(), s_.data(), problem_.gram_diagonal, d_, pen, exclude_);
    const Verdict verdict = judge(outcome.certificate, target_gap);
    if (verdict == Verdict::NotConvex) {
      outcome.not_convex = true;
      break;
    }
    if (verdict == Verdict::Converged) {
      outcome.converged = true;
      break;
    }
    if (outcome.iterations >= settings_.max_iter) break;
    throw_if_cancelled(cancel_);
    working_.choose(pen, strong_l1, point());
    strong_l1 = HUGE_VAL;  // the strong rule only seeds the first round
    // The same working set again means the gap is left by rounding drift in q_W: go further.
    if (working_.size() == previous_size) inner_gap *= 0.1;
    previous_size = working_.size();
    if (working_.empty()) break;  // nothing can move (e.g. non-PSD input): honest non-convergence
    const double full_gap = std::max(outcome.certificate.gap, outcome.certificate.unpenalised_kkt);
    const double round_gap = cold ? std::max(inner_gap, kRelativeInnerGap * full_gap) : inner_gap;
    outcome.iterations += sweep_working_set(round_gap, settings_.max_iter - outcome.iterations);
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
