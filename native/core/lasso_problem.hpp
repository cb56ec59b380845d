// The batched Covariance Lasso problem (DESIGN.md §2), as every backend receives it
// (backend.hpp's LassoBackend; the CPU solves it by coordinate descent, cpu/lasso_target.hpp).
//
// General form, one target t:  minimise
//   P(β) = ½ (d_t − 2 βᵀ s_t + βᵀ G β) + λ·l1_ratio·Σ_j w_j |β_j| + ½ λ·(1 − l1_ratio) ‖β‖²
// with G the p×p Gram (covariance of the sources), s_t column t of the p×m cross moments,
// d_t the target's variance, w the penalty factors, optionally β ≥ 0, and, in the intra-model
// case, coordinate t excluded (β_t = 0). Intra-model: G = S, cross = S, variance = diag(S),
// exclude_self = true. The plain CovLasso is l1_ratio = 1, w = 1.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "execution.hpp"
#include "lasso_penalty.hpp"
#include "matrix.hpp"

namespace covlasso {

struct FactoredHead;   // factored.hpp
struct FactoredCross;  // factored.hpp

struct LassoProblem {
  // Either may be float32 (half the memory and the bytes a refresh streams); every value is
  // widened exactly and all arithmetic, certificates included, is float64, so a float32 matrix
  // and its float64 copy give bitwise the same results.
  MatrixView gram;             // p×p, symmetric positive semi-definite
  MatrixView cross;            // p×m, column t is s_t
  const double* variance;      // m values d_t
  bool exclude_self = false;   // coordinate t is never used for target t (requires p == m)
  const double* penalty_factor = nullptr;  // p weights w_j ≥ 0 (null: all 1)
  // p values G_jj, taken once per solve by solve_lasso (backend.hpp) and read by validation and
  // by every backend's solver instead of the Gram's diagonal.
  const double* gram_diagonal = nullptr;
  // A factored covariance (factored.hpp, issue #11): when set, G = S = Ã K Ãᵀ, never formed, and
  // the cross moments are S itself (intra-model, exclude_self) or, with factored_cross, another
  // model's Ã K_ST Ã_Tᵀ (cross-model); gram and cross are then shape-only views (p×p and p×m,
  // data null). Solved by the CPU backend (cpu/gram_access.hpp).
  const FactoredHead* factored = nullptr;
  const FactoredCross* factored_cross = nullptr;
};

// The diagonal of the Gram, G_jj for j < min(rows, cols): what solve_lasso puts in
// LassoProblem::gram_diagonal.
std::vector<double> gram_diagonal(const MatrixView& gram);

// The λ sequence every target walks through, warm-starting each from the previous one.
// relative: λ = value · λ_max(t), λ_max(t) = max over allowed penalised j of |s_t[j]| / w_j
// (s_t[j] / w_j when positive), divided by l1_ratio: the smallest λ with β = 0 optimal when
// every coordinate is penalised (Penalty::lambda_max, lasso_penalty.hpp).
struct LambdaSequence {
  std::vector<double> values;  // one value: a single fit; several (decreasing): a path
  bool relative = true;
};

// The mathematics of a solve (how it runs is the ExecutionContext's business).
struct LassoSettings {
  double tol = 1e-6;           // converged when gap ≤ tol · d_t
  int64_t max_iter = 100000;   // coordinate-descent sweeps per (target, λ)
  double l1_ratio = 1.0;       // in (0, 1]: 1 is the lasso, < 1 the elastic net
  bool positive = false;       // constrain β ≥ 0
  double stop_relative_error = 0;  // > 0: a target's path stops once r²/d ≤ this
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
  int32_t* path_length = nullptr;  // per target: λ values solved (< n_lambda after an early stop)
};

// Sparse coefficients of one (target, λ): coordinates of G with non-zero β, ascending.
struct SparseCoef {
  std::vector<int32_t> indices;
  std::vector<double> values;
};

// The targets of one batch: indices into the columns of `cross`, and optionally each target's
// starting coefficients for its first λ (one per target).
struct TargetBatch {
  const int32_t* targets = nullptr;
  int64_t count = 0;
  const std::vector<SparseCoef>* warm_start = nullptr;
};

// The core's invariants of a problem, checked once whatever the backend: shapes, finiteness,
// a non-negative diagonal and symmetry (|G_ij − G_ji| ≤ 1e-9 · max G_ii); throws Error on the
// first violation. Reads the diagonal from problem.gram_diagonal (required). Uses ctx.threads
// for the O(p²) scans.
void validate_problem(const LassoProblem& problem, const ExecutionContext& ctx);

// The invariants of a batch: λ values finite and ≥ 0, settings in their domains, penalty
// factors finite and ≥ 0, targets in range, one warm start per target whose coefficients are
// finite, inside 0..p−1, not the excluded coordinate and ≥ 0 when positive.
void validate_batch(const LassoProblem& problem, const TargetBatch& batch, const LambdaSequence& lambdas,
                    const LassoSettings& settings);

// Every backend's answer to a certificate judge() calls NotConvex: the covariance (with the
// target's moments) is not positive semidefinite, so no β can be certified. Throws
// ErrorCode::NotPositiveSemidefinite naming the target, λ and the witness.
[[noreturn]] void throw_not_convex(int64_t target, double lambda, const Certificate& cert);

}  // namespace covlasso
