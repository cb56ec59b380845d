// Coordinate descent for one CovLasso target (see lasso_problem.hpp for the problem, lasso_penalty.hpp
// for the penalty and the certificate).
//
// Strategy, chosen so that the certificate is exact and the inner loop is cache resident:
//  * the working set W (current non-zeros, unpenalised coordinates, and the strongest KKT
//    violators) is packed into a dense |W|×|W| block of G, and sweeps run on it with
//    q_W = (Gβ)_W kept incrementally, until W's own duality gap is small;
//  * once the signs settle, a Newton step on the support (the stationarity equations solved by
//    Cholesky), and Anderson extrapolation every few sweeps (anderson.hpp), for the badly
//    conditioned blocks real logits give;
//  * between rounds q = Gβ is recomputed from scratch over the non-zeros (no drift), the full
//    KKT conditions are checked over every allowed coordinate, and the duality gap is computed;
//  * the solver stops only when the gap is ≤ tol · d, or when max_iter sweeps are spent.
// Along a path, the sequential strong rule seeds W from the previous λ's gradient.
#pragma once

#include <cstdint>
#include <vector>

#include "lasso_problem.hpp"
#include "lasso_penalty.hpp"

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
  };
  // Solves at λ, warm-starting from the current β (and, for the strong rule, from the λ of
  // the previous call on this target, if any).
  Outcome solve(double lambda);

  void export_coef(SparseCoef& out) const;

 private:
  Penalty penalty_at(double lambda) const;
  void recompute_q();
  void choose_working_set(const Penalty& pen, double strong_l1);
  Penalty packed_penalty(const Penalty& pen) const;
  void add_row(size_t a, double factor, double* q) const;
  double gram_entry(size_t a, size_t b) const;
  bool try_support_step(const Penalty& packed);
  bool step_towards(const double* target, const Penalty& packed);
  bool ray_step(double* direction, const Penalty& packed);
  bool accept_candidate(const Penalty& packed, bool allow_equal);
  Certificate working_certificate(const double* beta, const double* q, const Penalty& packed) const;
  int64_t sweep_working_set(const Penalty& packed, double inner_gap, int64_t max_sweeps);
  void try_anderson_step(const Penalty& packed);

  const LassoProblem& problem_;
  const LassoSettings& settings_;
  const CancelFlag* cancel_;
  int64_t p_;
  int64_t exclude_ = -1;
  double d_ = 0;
  double previous_l1_ = -1;  // < 0: no previous λ on this target
  const double* diag_;  // G_jj (problem.gram_diagonal)
  std::vector<double> s_, beta_, q_;
  std::vector<int32_t> working_;  // coordinates in W, ascending
  std::vector<std::pair<double, int32_t>> candidates_;  // (−excess, j) for choose_working_set
  // Packed working-set data. G_WW is packed only up to this size (8 MiB per thread); larger
  // working sets read G's rows directly.
  static constexpr size_t kMaxPackedWorkingSet = 1024;
  bool packed_ = true;
  std::vector<double> gram_w_, s_w_, q_w_, beta_w_, diag_w_, weights_w_;
  std::vector<double> history_;  // the last kAndersonDepth + 1 iterates of β_W
  std::vector<double> candidate_, candidate_q_;
  // Newton step on the support: tried after kSettledSweeps sweeps without a sign change.
  static constexpr int kSettledSweeps = 3;
  static constexpr size_t kMaxNewtonSupport = 600;
  std::vector<size_t> support_;
  std::vector<double> system_, rhs_, solution_;
  std::vector<unsigned char> dropped_;
  std::vector<double> column_, null_;
};

}  // namespace covlasso
