#include "lasso_problem.hpp"

#include "factored.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace covlasso {

namespace {

void check_finite_rows(const MatrixView& m, const char* name, int threads) {
  with_elements(m, [&](auto first) {
    parallel_for(m.rows, threads, [&](int64_t r, int) {
      const auto* row = first + r * m.cols;
      for (int64_t c = 0; c < m.cols; ++c) {
        if (!std::isfinite(row[c])) {
          throw Error(ErrorCode::NotFinite, std::string(name) + " contains NaN or Inf at row " +
                                                std::to_string(r) + ", column " + std::to_string(c));
        }
      }
    });
  });
}

}  // namespace

std::vector<double> gram_diagonal(const MatrixView& gram) {
  std::vector<double> diagonal(static_cast<size_t>(std::max<int64_t>(std::min(gram.rows, gram.cols), 0)));
  for (size_t j = 0; j < diagonal.size(); ++j) diagonal[j] = gram.at(static_cast<int64_t>(j), static_cast<int64_t>(j));
  return diagonal;
}

void validate_problem(const LassoProblem& problem, const ExecutionContext& ctx) {
  const int threads = ctx.threads;
  const MatrixView& g = problem.gram;
  if (g.rows != g.cols || g.rows <= 0) {
    throw Error(ErrorCode::ShapeMismatch, "the covariance must be square and non-empty, got " +
                                              std::to_string(g.rows) + "x" + std::to_string(g.cols));
  }
  if (problem.cross.rows != g.rows) {
    throw Error(ErrorCode::ShapeMismatch, "cross moments must have as many rows as the Gram");
  }
  if (problem.exclude_self && problem.cross.cols != g.rows) {
    throw Error(ErrorCode::ShapeMismatch, "intra-model problems need a square cross matrix");
  }
  if (problem.gram_diagonal == nullptr) {
    throw Error(ErrorCode::InvalidArgument, "the problem has no Gram diagonal (solve_lasso takes it)");
  }
  const double* diagonal = problem.gram_diagonal;
  if (problem.factored != nullptr) {
    // S = Ã K Ãᵀ is symmetric by construction; the head and moments were checked finite where
    // the factored covariance was built (the TS layer's factoredCovariance).
    validate_factored(*problem.factored);
    const FactoredCross* cross = problem.factored_cross;
    if (problem.factored->categories() != g.rows) throw Error(ErrorCode::ShapeMismatch, "the factored head must have p rows");
    if (cross == nullptr && (!problem.exclude_self || problem.cross.cols != g.rows)) {
      throw Error(ErrorCode::ShapeMismatch, "a factored covariance without cross moments is an intra-model p×p problem");
    }
    if (cross != nullptr && (cross->w.data == nullptr || cross->kernel == nullptr || cross->categories() != problem.cross.cols ||
                             cross->w.rows < 1 || cross->w.cols < 1)) {
      throw Error(ErrorCode::ShapeMismatch, "the factored cross moments need a target head of m rows and a kernel");
    }
  } else {
    check_finite_rows(g, "the covariance", threads);
    if (problem.cross.data != g.data) check_finite_rows(problem.cross, "the cross moments", threads);
  }
  double largest = 0;
  for (int64_t i = 0; i < g.rows; ++i) largest = std::max(largest, std::fabs(diagonal[i]));
  for (int64_t t = 0; t < problem.cross.cols; ++t) {
    if (!std::isfinite(problem.variance[t]) || problem.variance[t] < 0) {
      throw Error(ErrorCode::InvalidArgument,
                  "target variance " + std::to_string(t) + " is negative or not finite");
    }
  }
  for (int64_t i = 0; i < g.rows; ++i) {
    if (diagonal[i] < 0) {
      throw Error(ErrorCode::InvalidArgument, "the covariance has a negative diagonal entry at " + std::to_string(i));
    }
  }
  // For a PSD matrix |G_ij| ≤ max diagonal, so the diagonal sets the symmetry scale. Compared in
  // kTile × kTile tiles against their transposes, so both reads stay in the cache (entry by entry,
  // the transposed read missed the cache on every element: 9 s of a C = 20000 solve).
  if (problem.factored != nullptr) return;
  constexpr int64_t kTile = 64;
  const double tolerance = 1e-9 * largest;
  const int64_t n = g.rows;
  const int64_t blocks = (n + kTile - 1) / kTile;
  with_elements(g, [&](auto first) {
    parallel_for(blocks, threads, [&](int64_t bi, int) {
      const int64_t i0 = bi * kTile, i1 = std::min(n, i0 + kTile);
      for (int64_t j0 = i0; j0 < n; j0 += kTile) {
        const int64_t j1 = std::min(n, j0 + kTile);
        for (int64_t i = i0; i < i1; ++i) {
          for (int64_t j = std::max(j0, i + 1); j < j1; ++j) {
            const double a = first[i * n + j], b = first[j * n + i];
            if (std::fabs(a - b) > tolerance) {
              throw Error(ErrorCode::NotSymmetric, "the covariance is not symmetric: entry (" + std::to_string(i) +
                                                       ", " + std::to_string(j) + ") differs from (" +
                                                       std::to_string(j) + ", " + std::to_string(i) + ")");
            }
          }
        }
      }
    });
  });
}

void validate_batch(const LassoProblem& problem, const TargetBatch& batch, const LambdaSequence& lambdas,
                    const LassoSettings& settings) {
  if (lambdas.values.empty()) throw Error(ErrorCode::InvalidArgument, "no lambda values given");
  for (double v : lambdas.values) {
    if (!std::isfinite(v) || v < 0) {
      throw Error(ErrorCode::InvalidArgument, "lambda values must be finite and >= 0");
    }
  }
  if (!(settings.tol > 0) || settings.max_iter <= 0) {
    throw Error(ErrorCode::InvalidArgument, "tol must be > 0 and max_iter >= 1");
  }
  if (!(settings.l1_ratio > 0 && settings.l1_ratio <= 1)) {
    throw Error(ErrorCode::InvalidArgument, "l1_ratio must be in (0, 1]");
  }
  if (problem.penalty_factor != nullptr) {
    for (int64_t j = 0; j < problem.gram.rows; ++j) {
      const double w = problem.penalty_factor[j];
      if (!std::isfinite(w) || w < 0) {
        throw Error(ErrorCode::InvalidArgument, "penalty factor " + std::to_string(j) + " must be finite and >= 0");
      }
    }
  }
  if (batch.warm_start != nullptr && static_cast<int64_t>(batch.warm_start->size()) != batch.count) {
    throw Error(ErrorCode::ShapeMismatch, "warm start must hold one coefficient vector per target");
  }
  for (int64_t k = 0; k < batch.count; ++k) {
    if (batch.targets[k] < 0 || batch.targets[k] >= problem.cross.cols) {
      throw Error(ErrorCode::InvalidArgument, "target " + std::to_string(batch.targets[k]) +
                                                  " is out of range [0, " +
                                                  std::to_string(problem.cross.cols) + ")");
    }
  }
  if (batch.warm_start == nullptr) return;
  const int64_t p = problem.gram.rows;
  for (int64_t k = 0; k < batch.count; ++k) {
    const int64_t t = batch.targets[k];
    const int64_t exclude = problem.exclude_self ? t : -1;
    const SparseCoef& warm = (*batch.warm_start)[k];
    if (warm.values.size() != warm.indices.size()) {
      throw Error(ErrorCode::ShapeMismatch, "warm start for target " + std::to_string(t) + " has mismatched arrays");
    }
    for (size_t e = 0; e < warm.indices.size(); ++e) {
      const int64_t j = warm.indices[e];
      if (j < 0 || j >= p || j == exclude || !std::isfinite(warm.values[e]) || (settings.positive && warm.values[e] < 0)) {
        throw Error(ErrorCode::InvalidArgument, "warm start for target " + std::to_string(t) +
                                                    " has an invalid coefficient at " + std::to_string(j));
      }
    }
  }
}

void throw_not_convex(int64_t target, double lambda, const Certificate& cert) {
  char witness[160];
  std::snprintf(witness, sizeof witness, "duality gap %.6g and residual variance %.6g (objective %.6g)", cert.gap,
                cert.signed_residual, cert.objective);
  throw Error(ErrorCode::NotPositiveSemidefinite,
              "the covariance is not positive semidefinite: target " + std::to_string(target) + " at lambda " +
                  std::to_string(lambda) + " reached " + witness +
                  ", which only an indefinite matrix allows (the objective is unbounded below). A covariance "
                  "of real data is PSD: check how it was made or edited, or recompute it with float64 products");
}

}  // namespace covlasso
