// The CUDA backend's lasso entry point (lasso_kernels.cu): drive_lasso over the CUDA executor
// on device 0. Throws Error(BackendUnavailable) when the device runs out of memory.
#pragma once

#include <vector>

#include "execution.hpp"
#include "lasso_problem.hpp"

namespace covlasso {
namespace cuda {

std::vector<SparseCoef> solve_lasso_cuda(const LassoProblem& problem, const TargetBatch& batch,
                                         const LambdaSequence& lambdas, const LassoSettings& settings,
                                         const LassoResultArrays& out, const ExecutionContext& ctx);

}  // namespace cuda
}  // namespace covlasso
