// Factored-covariance jobs (native/core/factored.hpp): `factoredTimes` (S·B for a dense block),
// `factoredSparseTimes` (S·B for compressed sparse columns; S_{:,T} with unit columns) and
// `factoredDiagonal`, each with a *Sync twin. Outputs are JS arrays written in place. CPU
// routines: they sit outside the backend seam until a GPU backend has its own.
#include <napi.h>

#include "factored.hpp"
#include "job.hpp"

namespace covlasso_binding {

namespace {

// What every factored job holds: the head, its output (C×k values) and the thread count.
class FactoredJob : public Job {
 public:
  void run(const covlasso::ExecutionContext& ctx) override {
    covlasso::ExecutionContext c = ctx;
    c.threads = threads_;
    compute(c);
  }

 protected:
  // Reads the head, `threads` and `out` (C×k values) after checking the keys.
  FactoredJob(const Args& args, std::initializer_list<const char*> keys, int64_t k) {
    args.expect(keys, {"bias"});
    head_ = read_factored_head(args);
    if (k < 0) throw_invalid(args.env(), "k must be >= 0");
    out_ = args.typed<double>("out", napi_float64_array, head_.categories() * k);
    threads_ = static_cast<int>(args.integer("threads"));
  }
  virtual void compute(const covlasso::ExecutionContext& ctx) = 0;
  covlasso::FactoredHead head_;
  double* out_ = nullptr;

 private:
  int threads_ = 0;
};

int64_t columns_of(const Args& args) {
  return args.has("k") ? args.integer("k") : 1;
}

// FactoredTimesCallArgs: head + { b: Float64Array (C×k), k, out: Float64Array (C×k), threads }.
class TimesJob : public FactoredJob {
 public:
  explicit TimesJob(const Args& args) : FactoredJob(args, {"w", "kernel", "b", "k", "out", "threads"}, columns_of(args)) {
    k_ = columns_of(args);
    b_ = args.typed<double>("b", napi_float64_array, head_.categories() * k_);
  }
  void compute(const covlasso::ExecutionContext& ctx) override { covlasso::factored_times_dense(head_, b_, k_, out_, ctx); }

 private:
  const double* b_ = nullptr;
  int64_t k_ = 0;
};

// FactoredSparseTimesCallArgs: head + { indptr: Int32Array (k+1), indices: Int32Array, values:
// Float64Array (indptr[k]), k, out: Float64Array (C×k), threads }.
class SparseTimesJob : public FactoredJob {
 public:
  explicit SparseTimesJob(const Args& args)
      : FactoredJob(args, {"w", "kernel", "indptr", "indices", "values", "k", "out", "threads"}, columns_of(args)) {
    k_ = columns_of(args);
    indptr_ = args.typed<int32_t>("indptr", napi_int32_array, k_ + 1);
    const int64_t nnz = args.length("indices");
    indices_ = args.typed<int32_t>("indices", napi_int32_array, nnz);
    values_ = args.typed<double>("values", napi_float64_array, nnz);
    if (indptr_[k_] != nnz) throw_code(args.env(), covlasso::ErrorCode::ShapeMismatch, "indptr[k] must equal the number of indices");
  }
  void compute(const covlasso::ExecutionContext& ctx) override {
    covlasso::factored_times_sparse(head_, indptr_, indices_, values_, k_, out_, ctx);
  }

 private:
  const int32_t* indptr_ = nullptr;
  const int32_t* indices_ = nullptr;
  const double* values_ = nullptr;
  int64_t k_ = 0;
};

// FactoredDiagonalCallArgs: head + { out: Float64Array (C), threads }.
class DiagonalJob : public FactoredJob {
 public:
  explicit DiagonalJob(const Args& args) : FactoredJob(args, {"w", "kernel", "out", "threads"}, 1) {}
  void compute(const covlasso::ExecutionContext& ctx) override { covlasso::factored_diagonal(head_, out_, ctx); }
};

template <typename J>
std::unique_ptr<Job> make(const Args& args) {
  return std::make_unique<J>(args);
}

}  // namespace

void register_factored(Napi::Env env, Napi::Object exports) {
  export_job(env, exports, "factoredTimes", &make<TimesJob>);
  export_job(env, exports, "factoredSparseTimes", &make<SparseTimesJob>);
  export_job(env, exports, "factoredDiagonal", &make<DiagonalJob>);
}

}  // namespace covlasso_binding
