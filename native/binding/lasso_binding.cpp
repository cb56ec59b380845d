// CovLasso jobs: `covLasso` / `covLassoSync` (one λ or a whole path, many targets at once).
#include <napi.h>

#include "job.hpp"
#include "lasso.hpp"

namespace covlasso_binding {

namespace {

// args: { gram: Float64Array (p×p), p, cross?: Float64Array (p×m), m, variance: Float64Array (m),
//         excludeSelf, targets: Int32Array, lambdas: Float64Array, relative, tol, maxIter, threads,
//         l1Ratio, positive, stopRelativeError, penaltyFactor?: Float64Array (p),
//         warmStart?: { indptr: Int32Array (T+1), indices: Int32Array, values: Float64Array },
//         out: { lambda, lambdaMax, objective, gap, residualVariance: Float64Array (T·K),
//                iterations: Int32Array (T·K), converged: Uint8Array (T·K), pathLength: Int32Array (T) } }
// result: the coefficients in compressed sparse columns { indptr, indices, values }.
class LassoJob : public Job {
 public:
  explicit LassoJob(const Napi::Object& args) {
    const auto p = static_cast<int64_t>(get_number(args, "p"));
    const auto m = static_cast<int64_t>(get_number(args, "m"));
    if (p <= 0 || m <= 0) throw_invalid(args.Env(), "p and m must be positive");
    const double* gram = get_typed<double>(args, "gram", napi_float64_array, p * p);
    const double* cross = args.Get("cross").IsUndefined()
                              ? gram
                              : get_typed<double>(args, "cross", napi_float64_array, p * m);
    problem_.gram = {gram, p, p};
    problem_.cross = {cross, p, m};
    problem_.variance = get_typed<double>(args, "variance", napi_float64_array, m);
    problem_.exclude_self = get_bool(args, "excludeSelf");
    Napi::TypedArray targets = args.Get("targets").As<Napi::TypedArray>();
    n_targets_ = static_cast<int64_t>(targets.IsTypedArray() ? targets.ElementLength() : 0);
    targets_ = get_typed<int32_t>(args, "targets", napi_int32_array, n_targets_);
    Napi::Value lambdas = args.Get("lambdas");
    const int64_t n_lambda = lambdas.IsTypedArray() ? lambdas.As<Napi::TypedArray>().ElementLength() : 0;
    const double* values = get_typed<double>(args, "lambdas", napi_float64_array, n_lambda);
    lambdas_.values.assign(values, values + n_lambda);
    lambdas_.relative = get_bool(args, "relative");
    options_.tol = get_number(args, "tol");
    options_.max_iter = static_cast<int64_t>(get_number(args, "maxIter"));
    options_.threads = static_cast<int>(get_number(args, "threads"));
    options_.l1_ratio = get_number(args, "l1Ratio");
    options_.positive = get_bool(args, "positive");
    options_.stop_relative_error = get_number(args, "stopRelativeError");
    if (!args.Get("penaltyFactor").IsUndefined()) {
      problem_.penalty_factor = get_typed<double>(args, "penaltyFactor", napi_float64_array, p);
    }
    if (args.Get("warmStart").IsObject()) read_warm_start(require_object(args.Env(), args.Get("warmStart"), "warmStart"), p);
    Napi::Object out = require_object(args.Env(), args.Get("out"), "out");
    const int64_t n = n_targets_ * n_lambda;
    out_.lambda = get_typed<double>(out, "lambda", napi_float64_array, n);
    out_.lambda_max = get_typed<double>(out, "lambdaMax", napi_float64_array, n);
    out_.objective = get_typed<double>(out, "objective", napi_float64_array, n);
    out_.gap = get_typed<double>(out, "gap", napi_float64_array, n);
    out_.residual_variance = get_typed<double>(out, "residualVariance", napi_float64_array, n);
    out_.iterations = get_typed<int32_t>(out, "iterations", napi_int32_array, n);
    out_.converged = get_typed<uint8_t>(out, "converged", napi_uint8_array, n);
    out_.path_length = get_typed<int32_t>(out, "pathLength", napi_int32_array, n_targets_);
  }

  void run(const RunContext& context) override {
    options_.cancel = context.cancel;
    options_.progress = context.progress;
    covlasso::validate_problem(problem_, options_.threads);
    coefs_ = covlasso::solve_lasso_batch(problem_, targets_, n_targets_, lambdas_, options_, out_,
                                         warm_.empty() ? nullptr : &warm_);
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
  // Copies the warm-start columns (small) so the job owns them.
  void read_warm_start(const Napi::Object& warm, int64_t p) {
    const int32_t* indptr = get_typed<int32_t>(warm, "indptr", napi_int32_array, n_targets_ + 1);
    const int64_t nnz = indptr[n_targets_];
    const int32_t* indices = get_typed<int32_t>(warm, "indices", napi_int32_array, nnz);
    const double* values = get_typed<double>(warm, "values", napi_float64_array, nnz);
    warm_.resize(static_cast<size_t>(n_targets_));
    for (int64_t k = 0; k < n_targets_; ++k) {
      if (indptr[k] < 0 || indptr[k] > indptr[k + 1] || indptr[k + 1] > nnz) {
        throw make_error(warm.Env(), "ERR_COVLASSO_INVALID_ARGUMENT", "warmStart.indptr is not a valid column pointer");
      }
      warm_[k].indices.assign(indices + indptr[k], indices + indptr[k + 1]);
      warm_[k].values.assign(values + indptr[k], values + indptr[k + 1]);
      for (int32_t j : warm_[k].indices) {
        if (j < 0 || j >= p) throw make_error(warm.Env(), "ERR_COVLASSO_INVALID_ARGUMENT", "warmStart has a row index out of range");
      }
    }
  }

  std::vector<covlasso::SparseCoef> warm_;
  covlasso::LassoProblem problem_;
  covlasso::LambdaSequence lambdas_;
  covlasso::SolveOptions options_;
  covlasso::LassoResultArrays out_{};
  const int32_t* targets_ = nullptr;
  int64_t n_targets_ = 0;
  std::vector<covlasso::SparseCoef> coefs_;
};

std::unique_ptr<Job> make_lasso_job(const Napi::Object& args) { return std::make_unique<LassoJob>(args); }

}  // namespace

void register_lasso(Napi::Env env, Napi::Object exports) {
  export_job(env, exports, "covLasso", &make_lasso_job);
}

}  // namespace covlasso_binding
