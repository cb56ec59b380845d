// The CPU implementation of LassoBackend::solve (backend.hpp): see lasso_batch.cpp.
#pragma once

#include <vector>

#include "lasso_problem.hpp"

namespace covlasso {
namespace cpu {

// Solves every target of the batch for every λ of the sequence (validated by the caller:
// validate_problem, validate_batch). Targets run in parallel, each on one thread, so results do
// not depend on ctx.threads. After an early path stop the remaining entries hold λ, NaN
// objective/gap/variance, 0 iterations, converged 0 and no coefficients. Returns the
// coefficients, in the order of the result arrays.
std::vector<SparseCoef> solve_lasso_batch(const LassoProblem& problem, const TargetBatch& batch,
                                          const LambdaSequence& lambdas, const LassoSettings& settings,
                                          const LassoResultArrays& out, const ExecutionContext& ctx);

}  // namespace cpu
}  // namespace covlasso
