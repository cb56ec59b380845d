// Eigensolver jobs: `symmetricEigen` (dense, O(n³)) and `rangeEigen` (the leading eigenpairs of
// a large low-rank covariance), each with a *Sync twin. CPU routines (native/core/cpu/): they sit
// outside the backend seam until a GPU backend has its own.
#include <napi.h>

#include <utility>

#include "cpu/range_eigen.hpp"
#include "cpu/symmetric_eigen.hpp"
#include "job.hpp"

namespace covlasso_binding {

namespace {

// SymmetricEigenCallArgs: { a: Float64Array (n×n, overwritten), n, vectors, threads }.
// result: { values: Float64Array (ascending) }; with vectors, a holds them as columns
// (a[i·n + k] = component i of vector k).
class SymmetricEigenJob : public Job {
 public:
  explicit SymmetricEigenJob(const Args& args) {
    args.expect({"a", "n", "vectors", "threads"});
    n_ = args.integer("n");
    if (n_ <= 0) throw_invalid(args.env(), "n must be positive");
    a_ = args.typed<double>("a", napi_float64_array, n_ * n_);
    vectors_ = args.boolean("vectors");
    threads_ = static_cast<int>(args.integer("threads"));
    values_.resize(static_cast<size_t>(n_));
  }
  void run(const covlasso::ExecutionContext& ctx) override {
    covlasso::ExecutionContext c = ctx;
    c.threads = threads_;
    covlasso::cpu::symmetric_eigen(a_, n_, values_.data(), vectors_, c);
    if (!vectors_) return;
    for (int64_t i = 0; i < n_; ++i) {  // rows → columns
      for (int64_t j = i + 1; j < n_; ++j) std::swap(a_[i * n_ + j], a_[j * n_ + i]);
    }
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Float64Array values = Napi::Float64Array::New(env, values_.size());
    std::copy(values_.begin(), values_.end(), values.Data());
    Napi::Object out = Napi::Object::New(env);
    out.Set("values", values);
    return out;
  }

 private:
  double* a_ = nullptr;
  int64_t n_ = 0;
  bool vectors_ = true;
  int threads_ = 0;
  std::vector<double> values_;
};

// RangeEigenCallArgs: { s: Float64Array (n×n), n, initialRank, oversample, maxRank,
// powerIterations, rankTolerance, seed, threads }.
// result: { values (k, ascending), vectors (n×k row-major, columns), k, rank, complete }.
class RangeEigenJob : public Job {
 public:
  explicit RangeEigenJob(const Args& args) {
    args.expect({"s", "n", "initialRank", "oversample", "maxRank", "powerIterations", "rankTolerance", "seed", "threads"});
    const int64_t n = args.integer("n");
    if (n <= 0) throw_invalid(args.env(), "n must be positive");
    s_ = {args.typed<double>("s", napi_float64_array, n * n), n, n};
    options_.initial_rank = args.integer("initialRank");
    options_.oversample = args.integer("oversample");
    options_.max_rank = args.integer("maxRank");
    options_.power_iterations = static_cast<int>(args.integer("powerIterations"));
    options_.rank_tolerance = args.number("rankTolerance");
    options_.seed = static_cast<uint64_t>(args.integer("seed"));
    threads_ = static_cast<int>(args.integer("threads"));
  }
  void run(const covlasso::ExecutionContext& ctx) override {
    covlasso::ExecutionContext c = ctx;
    c.threads = threads_;
    result_ = covlasso::cpu::range_eigen(s_, options_, c);
  }
  Napi::Value result(Napi::Env env) override {
    const auto copy = [&](const std::vector<double>& v) {
      Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
      std::copy(v.begin(), v.end(), a.Data());
      return a;
    };
    Napi::Object out = Napi::Object::New(env);
    out.Set("values", copy(result_.values));
    out.Set("vectors", copy(result_.vectors));
    out.Set("k", Napi::Number::New(env, static_cast<double>(result_.k)));
    out.Set("rank", Napi::Number::New(env, static_cast<double>(result_.rank)));
    out.Set("complete", Napi::Boolean::New(env, result_.complete));
    return out;
  }

 private:
  covlasso::DoubleMatrixView s_;
  covlasso::cpu::RangeEigenOptions options_;
  int threads_ = 0;
  covlasso::cpu::RangeEigen result_;
};

std::unique_ptr<Job> make_symmetric_eigen_job(const Args& args) { return std::make_unique<SymmetricEigenJob>(args); }
std::unique_ptr<Job> make_range_eigen_job(const Args& args) { return std::make_unique<RangeEigenJob>(args); }

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  export_job(env, exports, "symmetricEigen", &make_symmetric_eigen_job);
  export_job(env, exports, "rangeEigen", &make_range_eigen_job);
}

}  // namespace covlasso_binding
