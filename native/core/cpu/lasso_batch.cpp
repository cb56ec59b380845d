// The CPU's LassoBackend: every target of the batch on covlasso's thread pool, one target per
// task, each solved by coordinate descent (lasso_target.hpp).
#include "lasso_batch.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>

#include "lasso_target.hpp"

namespace covlasso {
namespace cpu {

std::vector<SparseCoef> solve_lasso_batch(const LassoProblem& problem, const TargetBatch& batch,
                                          const LambdaSequence& lambdas, const LassoSettings& settings,
                                          const LassoResultArrays& out, const ExecutionContext& ctx) {
  const int64_t n_lambda = static_cast<int64_t>(lambdas.values.size());
  const int64_t n_targets = batch.count;
  const int32_t* targets = batch.targets;
  const std::vector<SparseCoef>* warm_start = batch.warm_start;
  std::vector<SparseCoef> coefs(static_cast<size_t>(n_targets * n_lambda));
  const int threads = resolve_threads(ctx.threads);
  std::vector<std::unique_ptr<TargetSolver>> solvers(static_cast<size_t>(threads));
  std::atomic<int64_t> targets_done{0};
  parallel_for(n_targets, threads, [&](int64_t task, int slot) {
    if (!solvers[slot]) solvers[slot] = std::make_unique<TargetSolver>(problem, settings, ctx.cancel);
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
      if (outcome.not_convex) throw_not_convex(targets[task], lambda, outcome.certificate);
      out.objective[at] = outcome.certificate.objective;
      out.gap[at] = outcome.certificate.gap;
      out.residual_variance[at] = outcome.certificate.residual_variance;
      out.iterations[at] = static_cast<int32_t>(std::min<int64_t>(outcome.iterations, INT32_MAX));
      out.converged[at] = outcome.converged ? 1 : 0;
      solver.export_coef(coefs[at]);
      ++solved;
      stopped = settings.stop_relative_error > 0 && d > 0 &&
                outcome.certificate.residual_variance <= settings.stop_relative_error * d;
    }
    if (out.path_length != nullptr) out.path_length[task] = solved;
    const int64_t done = targets_done.fetch_add(1) + 1;
    ctx.report(static_cast<double>(done) / n_targets);
  });
  return coefs;
}

}  // namespace cpu
}  // namespace covlasso
