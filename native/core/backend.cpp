#include "backend.hpp"

#include "cpu/cpu_backend.hpp"
#include "factored.hpp"
#include "errors.hpp"
#if defined(COVLASSO_WITH_CUDA)
#include "cuda_backend.hpp"
#endif

namespace covlasso {

BackendChoice parse_backend_choice(const std::string& name) {
  if (name == "cpu") return BackendChoice::Cpu;
  if (name == "cuda") return BackendChoice::Cuda;
  if (name == "auto") return BackendChoice::Auto;
  throw Error(ErrorCode::InvalidArgument, "backend must be 'cpu', 'cuda' or 'auto', got '" + name + "'");
}

namespace {

// The registry: the CUDA backend is compiled in with COVLASSO_WITH_CUDA (the build found nvcc).
#if defined(COVLASSO_WITH_CUDA)
constexpr bool kCudaCompiled = true;
bool cuda_available() { return cuda::probe_device().available; }
std::string cuda_detail() { return cuda::probe_device().detail; }
const Backend& cuda_backend() { return cuda::backend(); }
#else
constexpr bool kCudaCompiled = false;
bool cuda_available() { return false; }
std::string cuda_detail() { return "this build of covlasso has no CUDA backend (it was built without nvcc)"; }
const Backend& cuda_backend() { return cpu::backend(); }  // never selected: cuda_available() is false
#endif

// `auto` with a usable GPU: the CUDA backend, falling back to the CPU for a job the device
// cannot take (out of device memory: thrown before a job changes anything it was given).
template <class Part, class Method>
void with_fallback(const Part& (Backend::*part)() const, Method&& call) {
  try {
    call((cuda_backend().*part)());
  } catch (const Error& e) {
    if (e.code() != ErrorCode::BackendUnavailable) throw;
    call((cpu::backend().*part)());
  }
}

class AutoMoments final : public MomentsBackend {
 public:
  void accumulate(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, Products products,
                  const ExecutionContext& ctx) const override {
    with_fallback(&Backend::moments, [&](const MomentsBackend& b) { b.accumulate(acc, x, y, products, ctx); });
  }
  void moments(const MatrixView& x, const MatrixView* y, const MomentSpec& spec, double* out,
               const ExecutionContext& ctx) const override {
    with_fallback(&Backend::moments, [&](const MomentsBackend& b) { b.moments(x, y, spec, out, ctx); });
  }
};

class AutoLasso final : public LassoBackend {
 public:
  std::vector<SparseCoef> solve(const LassoProblem& problem, const TargetBatch& batch, const LambdaSequence& lambdas,
                                const LassoSettings& settings, const LassoResultArrays& out,
                                const ExecutionContext& ctx) const override {
    std::vector<SparseCoef> coefs;
    with_fallback(&Backend::lasso, [&](const LassoBackend& b) { coefs = b.solve(problem, batch, lambdas, settings, out, ctx); });
    return coefs;
  }
};

class AutoBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }
  const MomentsBackend& moments() const override { return moments_; }
  const LassoBackend& lasso() const override { return lasso_; }

 private:
  AutoMoments moments_;
  AutoLasso lasso_;
};

}  // namespace

const Backend& select_backend(BackendChoice choice) {
  switch (choice) {
    case BackendChoice::Cpu:
      return cpu::backend();
    case BackendChoice::Auto: {
      if (!cuda_available()) return cpu::backend();
      static const AutoBackend automatic;
      return automatic;
    }
    case BackendChoice::Cuda:
      if (!cuda_available()) {
        throw Error(ErrorCode::BackendUnavailable, "backend 'cuda' is not available: " + cuda_detail());
      }
      return cuda_backend();
  }
  return cpu::backend();
}

std::vector<BackendStatus> backend_statuses() {
  std::vector<BackendStatus> out;
  out.push_back({"cpu", true, true, cpu::describe()});
  out.push_back({"cuda", kCudaCompiled, cuda_available(), cuda_detail()});
  return out;
}

std::vector<SparseCoef> solve_lasso(const Backend& backend, const LassoProblem& problem, const TargetBatch& batch,
                                    const LambdaSequence& lambdas, const LassoSettings& settings,
                                    const LassoResultArrays& out, const ExecutionContext& ctx) {
  // The diagonal of G, taken once here for validation and for every target's solver.
  std::vector<double> diagonal;
  if (problem.factored != nullptr) {
    if (std::string(backend.name()) != "cpu") {
      throw Error(ErrorCode::BackendUnavailable, std::string("the ") + backend.name() +
                                                     " backend does not solve factored covariances yet: use the cpu backend");
    }
    diagonal.resize(static_cast<size_t>(problem.gram.rows));
    factored_diagonal(*problem.factored, diagonal.data(), ctx);
  } else {
    diagonal = gram_diagonal(problem.gram);
  }
  LassoProblem with_diagonal = problem;
  with_diagonal.gram_diagonal = diagonal.data();
  validate_problem(with_diagonal, ctx);
  validate_batch(with_diagonal, batch, lambdas, settings);
  return backend.lasso().solve(with_diagonal, batch, lambdas, settings, out, ctx);
}

}  // namespace covlasso
