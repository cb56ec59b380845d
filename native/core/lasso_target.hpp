// Coordinate descent for one CovLasso target (see lasso.hpp for the problem).
//
// Strategy, chosen so that the certificate is exact and the inner loop is cache resident:
//  * the working set W (current non-zeros plus the strongest KKT violators) is packed into a
//    dense |W|×|W| block of G, and sweeps run on it with q_W = (Gβ)_W kept incrementally;
//  * between rounds q = Gβ is recomputed from scratch over the non-zeros (no drift), the full
//    KKT conditions are checked over every allowed coordinate, and the duality gap is computed;
//  * the solver stops only when the gap is ≤ tol · d, or when max_iter sweeps are spent.
// Along a path, the sequential strong rule seeds W from the previous λ's gradient.
#pragma once

#include <cstdint>
#include <vector>

#include "lasso.hpp"

namespace covlasso {

// Everything a certificate needs, computed from β and q = Gβ.
struct Certificate {
  double objective;          // ½ r² + λ‖β‖₁
  double gap;                // duality gap (sklearn's Gram form, DESIGN.md §2)
  double residual_variance;  // r² = d − 2βᵀs + βᵀGβ, clamped at 0
  double max_violation;      // ν = max over allowed j of |s_j − q_j|
};

Certificate compute_certificate(const std::vector<double>& beta, const std::vector<double>& q,
                                const std::vector<double>& s, double d, double lambda,
                                int64_t exclude);

class TargetSolver {
 public:
  explicit TargetSolver(const LassoProblem& problem);

  // Loads target t: copies s_t, resets β to 0. Returns λ_max(t).
  double load_target(int64_t t);

  struct Outcome {
    Certificate certificate;
    int64_t iterations;
    bool converged;
  };
  // Solves at λ, warm-starting from the current β (and, for the strong rule, from the λ of
  // the previous call on this target, if any).
  Outcome solve(double lambda, const SolveOptions& options);

  void export_coef(SparseCoef& out) const;

 private:
  void recompute_q();
  void choose_working_set(double lambda, double strong_threshold);
  double working_set_gap(double lambda) const;
  double working_set_objective(const double* beta, const double* q, double lambda) const;
  void try_anderson_step(double lambda);
  int64_t sweep_working_set(double lambda, double inner_gap, int64_t max_sweeps,
                            const CancelFlag* cancel);

  const LassoProblem& problem_;
  int64_t p_;
  int64_t exclude_ = -1;
  double d_ = 0;
  double previous_lambda_ = -1;  // < 0: no previous λ on this target
  std::vector<double> s_, beta_, q_;
  std::vector<int32_t> working_;   // coordinates in W
  std::vector<uint8_t> in_working_;
  std::vector<double> gram_w_, s_w_, q_w_, beta_w_, diag_w_;  // packed working-set data
  static constexpr size_t kAndersonDepth = 5;
  std::vector<double> history_;  // the last kAndersonDepth + 1 iterates of β_W
  std::vector<double> candidate_, candidate_q_;
};

}  // namespace covlasso
