// The CUDA backend's LassoBackend::solve, as a host driver over a LassoExecutor: the targets in
// chunks that fit the device's memory, each chunk walking the whole λ sequence in lockstep, each
// λ in rounds (refresh → certify and select → pack → sweep launches) over the targets still
// active, with a D2H copy of 16 bytes per target between the phases to decide the next.
// The cancel flag is checked between launches; the sweep launches are sized so one takes well
// under a second (max_sweeps_per_launch). Results and coefficients are written exactly as the
// CPU backend writes them (lasso_problem.hpp).
#pragma once

#include <vector>

#include "execution.hpp"
#include "lasso_executor.hpp"
#include "lasso_problem.hpp"

namespace covlasso {
namespace cuda {

std::vector<SparseCoef> drive_lasso(LassoExecutor& exec, const LassoProblem& problem, const TargetBatch& batch,
                                    const LambdaSequence& lambdas, const LassoSettings& settings,
                                    const LassoResultArrays& out, const ExecutionContext& ctx);

// A host matrix into a float64 device buffer of rows·cols values: a float64 one as it is, a
// float32 one widened in slices of `slice` values through a host staging vector (the kernels
// read float64: a float32 covariance halves host memory, not device memory).
void upload_as_double(LassoExecutor& exec, double* dst, const MatrixView& m, int64_t slice = int64_t(1) << 22);

// Sweeps per launch for a launch over working sets of these sizes: about 2³³ units of
// (w² + 64w) work in all, between 16 and 65536 sweeps.
int64_t max_sweeps_per_launch(const std::vector<int64_t>& sizes);

}  // namespace cuda
}  // namespace covlasso
