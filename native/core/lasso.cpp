#include "lasso.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "lasso_target.hpp"

namespace covlasso {

namespace {

void check_finite_rows(const DoubleMatrixView& m, const char* name, int threads) {
  parallel_for(m.rows, threads, [&](int64_t r, int) {
    const double* row = m.row(r);
    for (int64_t c = 0; c < m.cols; ++c) {
      if (!std::isfinite(row[c])) {
        throw Error(ErrorCode::NotFinite, std::string(name) + " contains NaN or Inf at row " +
                                              std::to_string(r) + ", column " + std::to_string(c));
      }
    }
  });
}

}  // namespace

void validate_problem(const LassoProblem& problem, int threads) {
  const DoubleMatrixView& g = problem.gram;
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
  check_finite_rows(g, "the covariance", threads);
  if (problem.cross.data != g.data) check_finite_rows(problem.cross, "the cross moments", threads);
  double largest = 0;
  for (int64_t i = 0; i < g.rows; ++i) largest = std::max(largest, std::fabs(g.at(i, i)));
  for (int64_t t = 0; t < problem.cross.cols; ++t) {
    if (!std::isfinite(problem.variance[t]) || problem.variance[t] < 0) {
      throw Error(ErrorCode::InvalidArgument,
                  "target variance " + std::to_string(t) + " is negative or not finite");
    }
  }
  // For a PSD matrix |G_ij| ≤ max diagonal, so the diagonal sets the symmetry scale.
  const double tolerance = 1e-9 * largest;
  parallel_for(g.rows, threads, [&](int64_t i, int) {
    if (g.at(i, i) < 0) {
      throw Error(ErrorCode::InvalidArgument,
                  "the covariance has a negative diagonal entry at " + std::to_string(i));
    }
    for (int64_t j = i + 1; j < g.cols; ++j) {
      if (std::fabs(g.at(i, j) - g.at(j, i)) > tolerance) {
        throw Error(ErrorCode::NotSymmetric, "the covariance is not symmetric: entry (" +
                                                 std::to_string(i) + ", " + std::to_string(j) +
                                                 ") differs from (" + std::to_string(j) + ", " +
                                                 std::to_string(i) + ")");
      }
    }
  });
}

std::vector<SparseCoef> solve_lasso_batch(const LassoProblem& problem, const int32_t* targets,
                                          int64_t n_targets, const LambdaSequence& lambdas,
                                          const SolveOptions& options, const LassoResultArrays& out,
                                          const std::vector<SparseCoef>* warm_start) {
  const int64_t n_lambda = static_cast<int64_t>(lambdas.values.size());
  if (n_lambda == 0) throw Error(ErrorCode::InvalidArgument, "no lambda values given");
  for (double v : lambdas.values) {
    if (!std::isfinite(v) || v < 0) {
      throw Error(ErrorCode::InvalidArgument, "lambda values must be finite and >= 0");
    }
  }
  if (!(options.tol > 0) || options.max_iter <= 0) {
    throw Error(ErrorCode::InvalidArgument, "tol must be > 0 and max_iter >= 1");
  }
  if (!(options.l1_ratio > 0 && options.l1_ratio <= 1)) {
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
  if (warm_start != nullptr && static_cast<int64_t>(warm_start->size()) != n_targets) {
    throw Error(ErrorCode::ShapeMismatch, "warm start must hold one coefficient vector per target");
  }
  for (int64_t k = 0; k < n_targets; ++k) {
    if (targets[k] < 0 || targets[k] >= problem.cross.cols) {
      throw Error(ErrorCode::InvalidArgument, "target " + std::to_string(targets[k]) +
                                                  " is out of range [0, " +
                                                  std::to_string(problem.cross.cols) + ")");
    }
  }
  std::vector<SparseCoef> coefs(static_cast<size_t>(n_targets * n_lambda));
  const int threads = resolve_threads(options.threads);
  std::vector<std::unique_ptr<TargetSolver>> solvers(static_cast<size_t>(threads));
  std::atomic<int64_t> targets_done{0};
  parallel_for(n_targets, threads, [&](int64_t task, int slot) {
    if (!solvers[slot]) solvers[slot] = std::make_unique<TargetSolver>(problem, options);
    TargetSolver& solver = *solvers[slot];
    const double lambda_max = solver.load_target(targets[task], warm_start ? &(*warm_start)[task] : nullptr);
    const double d = problem.variance[targets[task]];
    bool stopped = false;
    int32_t solved = 0;
    for (int64_t k = 0; k < n_lambda; ++k) {
      const double value = lambdas.values[k];
      const double lambda = lambdas.relative ? value * lambda_max : value;
      const int64_t at = task * n_lambda + k;
      out.lambda[at] = lambda;
      out.lambda_max[at] = lambda_max;
      if (stopped) {
        out.objective[at] = out.gap[at] = out.residual_variance[at] = std::nan("");
        out.iterations[at] = 0;
        out.converged[at] = 0;
        continue;
      }
      const TargetSolver::Outcome outcome = solver.solve(lambda);
      out.objective[at] = outcome.certificate.objective;
      out.gap[at] = outcome.certificate.gap;
      out.residual_variance[at] = outcome.certificate.residual_variance;
      out.iterations[at] = static_cast<int32_t>(std::min<int64_t>(outcome.iterations, INT32_MAX));
      out.converged[at] = outcome.converged ? 1 : 0;
      solver.export_coef(coefs[at]);
      ++solved;
      stopped = options.stop_relative_error > 0 && d > 0 &&
                outcome.certificate.residual_variance <= options.stop_relative_error * d;
    }
    if (out.path_length != nullptr) out.path_length[task] = solved;
    const int64_t done = targets_done.fetch_add(1) + 1;
    if (options.progress) options.progress(static_cast<double>(done) / n_targets);
  });
  return coefs;
}

}  // namespace covlasso
