// CovLasso jobs: `covLasso` / `covLassoSync` (one λ or a whole path, many targets at once).
#include <napi.h>

#include "job.hpp"
#include "lasso_problem.hpp"

namespace covlasso_binding {

namespace {

// The arguments are LassoCallArgs in lib/runtime/native-types.ts:
//   { gram: Float64Array | Float32Array (p×p) | factored: { w, bias?, kernel, cross?: { w, bias?, kernel } }
//     (G = ÃKÃᵀ; cross moments S itself, p = m, or Ã K_ST Ã_Tᵀ of a target head of m rows),
//     p, cross?: Float64Array | Float32Array (p×m), m, variance: Float64Array (m),
//     excludeSelf, penaltyFactor?: Float64Array (p), targets: Int32Array, lambdas: Float64Array,
//     relative, tol, maxIter, l1Ratio, positive, stopRelativeError, threads, backend,
//     warmStart?: { indptr: Int32Array (T+1), indices: Int32Array, values: Float64Array },
//     out: { lambda, lambdaMax, objective, gap, residualVariance: Float64Array (T·K),
//            iterations: Int32Array (T·K), converged: Uint8Array (T·K), pathLength: Int32Array (T) } }
// result: the coefficients in compressed sparse columns { indptr, indices, values }.
class LassoJob : public Job {
 public:
  explicit LassoJob(const Args& args) : execution_((expect_keys(args), args)) {
    const int64_t p = args.integer("p");
    const int64_t m = args.integer("m");
    if (p <= 0 || m <= 0) throw_invalid(args.env(), "p and m must be positive");
    if (args.has("factored")) {  // exactly one of gram and factored (expect_keys)
      if (args.has("gram") || args.has("cross")) throw_invalid(args.env(), "a factored problem has no gram or cross");
      const Args head = args.object("factored");
      head.expect({"w", "kernel"}, {"bias", "cross"});
      factored_ = read_factored_head(head);
      if (factored_.categories() != p) throw_code(args.env(), covlasso::ErrorCode::ShapeMismatch, "factored.w must have p rows");
      problem_.factored = &factored_;
      if (head.has("cross")) {  // cross-model: the target head and the cross kernel (r_S × r_T)
        const Args cross = head.object("cross");
        cross.expect({"w", "kernel"}, {"bias"});
        cross_.w = cross.matrix("w");
        if (cross_.w.rows != m) throw_code(args.env(), covlasso::ErrorCode::ShapeMismatch, "factored.cross.w must have m rows");
        if (cross.has("bias")) cross_.bias = cross.typed<double>("bias", napi_float64_array, m);
        cross_.kernel = cross.typed<double>("kernel", napi_float64_array, factored_.rank() * cross_.rank());
        problem_.factored_cross = &cross_;
      } else if (p != m) {
        throw_invalid(args.env(), "an intra-model factored problem has p == m");
      }
      problem_.gram = covlasso::MatrixView{static_cast<const double*>(nullptr), p, p};
      problem_.cross = covlasso::MatrixView{static_cast<const double*>(nullptr), p, m};
    } else {
      problem_.gram = args.real_matrix("gram", p, p);
      problem_.cross = args.has("cross") ? args.real_matrix("cross", p, m) : problem_.gram;
    }
    problem_.variance = args.typed<double>("variance", napi_float64_array, m);
    problem_.exclude_self = args.boolean("excludeSelf");
    if (args.has("penaltyFactor")) problem_.penalty_factor = args.typed<double>("penaltyFactor", napi_float64_array, p);
    batch_.count = args.length("targets");
    batch_.targets = args.typed<int32_t>("targets", napi_int32_array, batch_.count);
    const int64_t n_lambda = args.length("lambdas");
    const double* values = args.typed<double>("lambdas", napi_float64_array, n_lambda);
    lambdas_.values.assign(values, values + n_lambda);
    lambdas_.relative = args.boolean("relative");
    settings_.tol = args.number("tol");
    settings_.max_iter = args.integer("maxIter");
    settings_.l1_ratio = args.number("l1Ratio");
    settings_.positive = args.boolean("positive");
    settings_.stop_relative_error = args.number("stopRelativeError");
    if (args.has("warmStart")) read_warm_start(args.object("warmStart"), p);
    const Args out = args.object("out");
    out.expect({"lambda", "lambdaMax", "objective", "gap", "residualVariance", "iterations", "converged", "pathLength"});
    const int64_t n = batch_.count * n_lambda;
    out_.lambda = out.typed<double>("lambda", napi_float64_array, n);
    out_.lambda_max = out.typed<double>("lambdaMax", napi_float64_array, n);
    out_.objective = out.typed<double>("objective", napi_float64_array, n);
    out_.gap = out.typed<double>("gap", napi_float64_array, n);
    out_.residual_variance = out.typed<double>("residualVariance", napi_float64_array, n);
    out_.iterations = out.typed<int32_t>("iterations", napi_int32_array, n);
    out_.converged = out.typed<uint8_t>("converged", napi_uint8_array, n);
    out_.path_length = out.typed<int32_t>("pathLength", napi_int32_array, batch_.count);
  }

  void run(const covlasso::ExecutionContext& ctx) override {
    batch_.warm_start = warm_.empty() ? nullptr : &warm_;
    coefs_ = covlasso::solve_lasso(*execution_.backend, problem_, batch_, lambdas_, settings_, out_, execution_.with(ctx));
  }

  Napi::Value result(Napi::Env env) override {
    size_t nnz = 0;
    for (const auto& c : coefs_) nnz += c.indices.size();
    Napi::Int32Array indptr = Napi::Int32Array::New(env, coefs_.size() + 1);
    Napi::Int32Array indices = Napi::Int32Array::New(env, nnz);
    Napi::Float64Array values = Napi::Float64Array::New(env, nnz);
    size_t at = 0;
    indptr[0] = 0;
    for (size_t k = 0; k < coefs_.size(); ++k) {
      for (size_t e = 0; e < coefs_[k].indices.size(); ++e, ++at) {
        indices[at] = coefs_[k].indices[e];
        values[at] = coefs_[k].values[e];
      }
      indptr[k + 1] = static_cast<int32_t>(at);
    }
    Napi::Object coef = Napi::Object::New(env);
    coef.Set("indptr", indptr);
    coef.Set("indices", indices);
    coef.Set("values", values);
    return coef;
  }

 private:
  static const Args& expect_keys(const Args& args) {
    args.expect({"p", "m", "variance", "excludeSelf", "targets", "lambdas", "relative", "tol", "maxIter",
                 "l1Ratio", "positive", "stopRelativeError", "threads", "backend", "out"},
                {"gram", "factored", "cross", "penaltyFactor", "warmStart"});
    if (args.has("gram") == args.has("factored")) throw_invalid(args.env(), "covLasso needs exactly one of gram and factored");
    return args;
  }

  // Copies the warm-start columns (small) so the job owns them.
  void read_warm_start(const Args& warm, int64_t p) {
    warm.expect({"indptr", "indices", "values"});
    const int64_t n_targets = batch_.count;
    const int32_t* indptr = warm.typed<int32_t>("indptr", napi_int32_array, n_targets + 1);
    const int64_t nnz = indptr[n_targets];
    const int32_t* indices = warm.typed<int32_t>("indices", napi_int32_array, nnz);
    const double* values = warm.typed<double>("values", napi_float64_array, nnz);
    warm_.resize(static_cast<size_t>(n_targets));
    for (int64_t k = 0; k < n_targets; ++k) {
      if (indptr[k] < 0 || indptr[k] > indptr[k + 1] || indptr[k + 1] > nnz) {
        throw_invalid(warm.env(), "warmStart.indptr is not a valid column pointer");
      }
      warm_[k].indices.assign(indices + indptr[k], indices + indptr[k + 1]);
      warm_[k].values.assign(values + indptr[k], values + indptr[k + 1]);
      for (int32_t j : warm_[k].indices) {
        if (j < 0 || j >= p) throw_invalid(warm.env(), "warmStart has a row index out of range");
      }
    }
  }

  std::vector<covlasso::SparseCoef> warm_;
  covlasso::FactoredHead factored_;
  covlasso::FactoredCross cross_;
  Execution execution_;
  covlasso::LassoProblem problem_;
  covlasso::TargetBatch batch_;
  covlasso::LambdaSequence lambdas_;
  covlasso::LassoSettings settings_;
  covlasso::LassoResultArrays out_{};
  std::vector<covlasso::SparseCoef> coefs_;
};

std::unique_ptr<Job> make_lasso_job(const Args& args) { return std::make_unique<LassoJob>(args); }

}  // namespace

void register_lasso(Napi::Env env, Napi::Object exports) {
  export_job(env, exports, "covLasso", &make_lasso_job);
}

}  // namespace covlasso_binding
