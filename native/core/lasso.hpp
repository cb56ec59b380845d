// Batched Covariance Lasso (DESIGN.md §2), solved by coordinate descent on the covariance.
//
// General form, one target t:  minimise  P(β) = ½ (d_t − 2 βᵀ s_t + βᵀ G β) + λ ‖β‖₁
// with G the p×p Gram (covariance of the sources), s_t column t of the p×m cross moments,
// d_t the target's variance, and, in the intra-model case, coordinate t excluded (β_t = 0).
// Intra-model: G = S, cross = S, variance = diag(S), exclude_self = true.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "matrix.hpp"
#include "thread_pool.hpp"

namespace covlasso {

struct LassoProblem {
  DoubleMatrixView gram;       // p×p, symmetric positive semi-definite
  DoubleMatrixView cross;      // p×m, column t is s_t
  const double* variance;      // m values d_t
  bool exclude_self = false;   // coordinate t is never used for target t (requires p == m)
};

// The λ sequence every target walks through, warm-starting each from the previous one.
// relative: λ = value · λ_max(t) with λ_max(t) = max over allowed j of |s_t[j]|.
struct LambdaSequence {
  std::vector<double> values;  // one value: a single fit; several (decreasing): a path
  bool relative = true;
};

struct SolveOptions {
  double tol = 1e-6;           // converged when gap ≤ tol · d_t
  int64_t max_iter = 100000;   // coordinate-descent sweeps per (target, λ)
  int threads = 0;             // ≤ 0: all hardware threads
  const CancelFlag* cancel = nullptr;
  std::function<void(double)> progress;  // called with the fraction of targets done; any thread
};

// Per (target, λ) scalars, written in place; each array holds n_targets · n_lambda values,
// target-major (index = target_index · n_lambda + lambda_index).
struct LassoResultArrays {
  double* lambda;
  double* lambda_max;
  double* objective;
  double* gap;
  double* residual_variance;
  int32_t* iterations;
  uint8_t* converged;
};

// Sparse coefficients of one (target, λ): coordinates of G with non-zero β, ascending.
struct SparseCoef {
  std::vector<int32_t> indices;
  std::vector<double> values;
};

// Checks shapes, finiteness and symmetry of the problem; throws Error on the first problem.
// Symmetry tolerance: |G_ij − G_ji| ≤ 1e-9 · max|G|.
void validate_problem(const LassoProblem& problem, int threads);

// Solves every target in `targets` (indices into the columns of `cross`) for every λ of the
// sequence. Targets run in parallel, each on one thread, so results do not depend on `threads`.
// Returns the coefficients, in the same order as the result arrays.
std::vector<SparseCoef> solve_lasso_batch(const LassoProblem& problem, const int32_t* targets,
                                          int64_t n_targets, const LambdaSequence& lambdas,
                                          const SolveOptions& options, const LassoResultArrays& out);

}  // namespace covlasso
