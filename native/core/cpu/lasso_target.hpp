// Coordinate descent for one CovLasso target (see lasso_problem.hpp for the problem, lasso_penalty.hpp
// for the penalty and the certificate).
//
// Strategy, chosen so that the certificate is exact and the inner loop is cache resident:
//  * the working set W (current non-zeros, unpenalised coordinates, and the strongest KKT
//    violators) is packed into a dense |W|×|W| block of G (working_set.hpp), and sweeps run on
//    it with q_W = (Gβ)_W kept incrementally, until W's own duality gap is small: below a tenth
//    of the full gap (a round that misses violators needs no more), and below 0.5·tol·d only
//    once the full gap is that close (the sweeps are ~85 % of the time on logits, issue #10);
//  * once the signs settle, a Newton step on the support (support_step.hpp), and Anderson
//    extrapolation every few sweeps (anderson.hpp), for the badly conditioned blocks real
//    logits give;
//  * between rounds q = Gβ is recomputed from scratch over the non-zeros (no drift), the full
//    KKT conditions are checked over every allowed coordinate, and the duality gap is computed;
//  * the solver stops only when the gap is ≤ tol · d, when max_iter sweeps are spent, or when
//    the certificate proves the input is not PSD (a negative gap or r²: judge()).
// Along a path, the sequential strong rule seeds W from the previous λ's gradient.
// TargetSolver is the outer loop tying these units together; one per thread, reused across targets.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "anderson.hpp"
#include "gram_access.hpp"
#include "lasso_penalty.hpp"
#include "lasso_problem.hpp"
#include "support_step.hpp"
#include "working_set.hpp"

namespace covlasso {

class TargetSolver {
 public:
  // problem.gram_diagonal must be set (solve_lasso does).
  TargetSolver(const LassoProblem& problem, const LassoSettings& settings, const CancelFlag* cancel);

  // Loads target t: copies s_t, sets β to `warm` (or 0). Returns λ_max(t).
  double load_target(int64_t t, const SparseCoef* warm);

  struct Outcome {
    Certificate certificate;
    int64_t iterations = 0;
    bool converged = false;
    bool not_convex = false;  // the certificate is a witness that the problem is not PSD (judge())
  };
  // Solves at λ, warm-starting from the current β (and, for the strong rule, from the λ of
  // the previous call on this target, if any).
  Outcome solve(double lambda);

  void export_coef(SparseCoef& out) const;

 private:
  Penalty penalty_at(double lambda) const;
  TargetPoint point() const { return {s_.data(), q_.data(), beta_.data(), d_, exclude_}; }
  void recompute_q();
  int64_t sweep_working_set(double inner_gap, int64_t max_sweeps);

  const LassoProblem& problem_;
  const LassoSettings& settings_;
  const CancelFlag* cancel_;
  int64_t p_;
  int64_t exclude_ = -1;
  double d_ = 0;
  double previous_l1_ = -1;  // < 0: no previous λ on this target
  std::unique_ptr<GramAccess> gram_;  // G and the cross moments, dense or factored
  std::vector<double> s_, beta_, q_;
  WorkingSet working_;
  AndersonHistory history_;
  std::vector<double> extrapolated_;
  SupportStep support_;
};

}  // namespace covlasso
