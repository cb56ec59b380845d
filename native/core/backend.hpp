// The seam every backend plugs into, at the level of whole jobs (the way faiss puts GpuIndex
// beside Index). A backend computes; it does not validate what the user passed (the TS layer and
// the binding do) and it does not own the core's invariants (validate_problem / validate_batch,
// MomentAccumulator::check_update, which run whatever the backend). What it is given:
//  - the mathematics: matrix views, MomentSpec, LassoProblem / TargetBatch / LambdaSequence /
//    LassoSettings, output arrays to write in place;
//  - how to run: an ExecutionContext (threads, cancel flag, progress).
// Results contract: every backend gives each target an objective within 1e-6·S_tt of the CPU's
// and a duality-gap certificate computed in float64; covariances agree within the backend's
// stated error bound; the same inputs give the same results run to run.
//
// Adding a backend: implement Backend (moments() and lasso()) under native/<name>/, add it to
// the registry in backend.cpp and to BackendChoice, and the binding, `backend:` option and
// `covlasso info` pick it up. The CPU backend is cpu/cpu_backend.cpp.
#pragma once

#include <string>
#include <vector>

#include "execution.hpp"
#include "lasso_problem.hpp"
#include "matrix.hpp"
#include "moments.hpp"

namespace covlasso {

// How the moments of a job are normalised and multiplied (see moments.hpp).
struct MomentSpec {
  bool center = false;  // false: second moment XᵀY/N; true: centered, divisor N − ddof
  double ddof = 0;
  Products products = Products::Auto;
};

class MomentsBackend {
 public:
  virtual ~MomentsBackend() = default;
  // Adds the rows of x (and y: null for a symmetric accumulator) to acc; ctx.progress gets the
  // fraction of these rows done. On Aborted the accumulator holds the rows done so far.
  virtual void accumulate(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, Products products,
                          const ExecutionContext& ctx) const = 0;
  // The covariance of x (y null; out p×p) or the cross moments XᵀY (out p×q) over the same rows,
  // written to out (row-major float64), without a second p×q matrix.
  virtual void moments(const MatrixView& x, const MatrixView* y, const MomentSpec& spec, double* out,
                       const ExecutionContext& ctx) const = 0;
};

class LassoBackend {
 public:
  virtual ~LassoBackend() = default;
  // Solves every target of the batch for every λ of the sequence, writing the per-(target, λ)
  // scalars into out and returning the coefficients in the same order (lasso_problem.hpp).
  // Called through solve_lasso(), which has validated the problem and the batch and set
  // problem.gram_diagonal.
  virtual std::vector<SparseCoef> solve(const LassoProblem& problem, const TargetBatch& batch,
                                        const LambdaSequence& lambdas, const LassoSettings& settings,
                                        const LassoResultArrays& out, const ExecutionContext& ctx) const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;  // "cpu", "cuda": what `backend:` and COVLASSO_BACKEND say
  virtual const MomentsBackend& moments() const = 0;
  virtual const LassoBackend& lasso() const = 0;
};

enum class BackendChoice { Cpu, Cuda, Auto };

// "cpu", "cuda" or "auto"; InvalidArgument otherwise.
BackendChoice parse_backend_choice(const std::string& name);

// The backend for a choice: Auto is the best usable one (a GPU backend when a usable device is
// present, else the CPU). Throws Error(BackendUnavailable) with one line saying why when the
// backend asked for cannot run here (built without it, no driver, no device).
const Backend& select_backend(BackendChoice choice);

// What this build has, for `covlasso info`: one entry per known backend.
struct BackendStatus {
  std::string name;
  bool compiled = false;   // built into this binary
  bool available = false;  // usable on this machine now
  std::string detail;      // the device, or why it is not available
};
std::vector<BackendStatus> backend_statuses();

// Takes the Gram's diagonal (LassoProblem::gram_diagonal, whatever the caller set there),
// validates the problem and the batch (validate_problem, validate_batch), then solves it on the
// backend: the one entry point every caller uses.
std::vector<SparseCoef> solve_lasso(const Backend& backend, const LassoProblem& problem, const TargetBatch& batch,
                                    const LambdaSequence& lambdas, const LassoSettings& settings,
                                    const LassoResultArrays& out, const ExecutionContext& ctx);

}  // namespace covlasso
