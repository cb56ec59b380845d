#include "backend.hpp"

#include "cpu/cpu_backend.hpp"
#include "errors.hpp"

namespace covlasso {

BackendChoice parse_backend_choice(const std::string& name) {
  if (name == "cpu") return BackendChoice::Cpu;
  if (name == "cuda") return BackendChoice::Cuda;
  if (name == "auto") return BackendChoice::Auto;
  throw Error(ErrorCode::InvalidArgument, "backend must be 'cpu', 'cuda' or 'auto', got '" + name + "'");
}

namespace {

// The registry. A GPU backend joins here (and in backend_statuses) when it is compiled in.
const char* const kNoCuda = "this build of covlasso has no CUDA backend (it was built without nvcc)";

}  // namespace

const Backend& select_backend(BackendChoice choice) {
  switch (choice) {
    case BackendChoice::Cpu:
    case BackendChoice::Auto:
      return cpu::backend();
    case BackendChoice::Cuda:
      throw Error(ErrorCode::BackendUnavailable, std::string("backend 'cuda' is not available: ") + kNoCuda);
  }
  return cpu::backend();
}

std::vector<BackendStatus> backend_statuses() {
  std::vector<BackendStatus> out;
  out.push_back({"cpu", true, true, cpu::describe()});
  out.push_back({"cuda", false, false, kNoCuda});
  return out;
}

std::vector<SparseCoef> solve_lasso(const Backend& backend, const LassoProblem& problem, const TargetBatch& batch,
                                    const LambdaSequence& lambdas, const LassoSettings& settings,
                                    const LassoResultArrays& out, const ExecutionContext& ctx) {
  // The diagonal of G, taken once here for validation and for every target's solver.
  const std::vector<double> diagonal = gram_diagonal(problem.gram);
  LassoProblem with_diagonal = problem;
  with_diagonal.gram_diagonal = diagonal.data();
  validate_problem(with_diagonal, ctx);
  validate_batch(with_diagonal, batch, lambdas, settings);
  return backend.lasso().solve(with_diagonal, batch, lambdas, settings, out, ctx);
}

}  // namespace covlasso
