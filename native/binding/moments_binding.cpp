// Covariance jobs (`covariance`, `covarianceSync`) and the streaming `MomentAccumulator` class.
#include <napi.h>

#include <algorithm>
#include <atomic>

#include "job.hpp"
#include "backend.hpp"
#include "moments.hpp"

namespace covlasso_binding {

namespace {

// args.products: "float64" forces float64 products for float32 input; "auto" picks by dtype.
covlasso::Products get_products(const Args& args) {
  const std::string products = args.string("products");
  if (products == "float64") return covlasso::Products::Float64;
  if (products != "auto") throw_invalid(args.env(), "'products' must be 'auto' or 'float64'");
  return covlasso::Products::Auto;
}

// The arguments are CovarianceCallArgs in lib/runtime/native-types.ts:
//   { x: {data, rows, cols}, y?: {data, rows, cols}, center, ddof, products, threads, backend,
//     out: Float64Array (x.cols × (y ?? x).cols) }
class CovarianceJob : public Job {
 public:
  explicit CovarianceJob(const Args& args) : execution_((expect_keys(args), args)), x_(args.matrix("x")) {
    has_y_ = args.has("y");
    if (has_y_) y_ = args.matrix("y");
    spec_.center = args.boolean("center");
    spec_.ddof = args.number("ddof");
    spec_.products = get_products(args);
    const int64_t cols_y = has_y_ ? y_.cols : x_.cols;
    out_ = args.typed<double>("out", napi_float64_array, x_.cols * cols_y);
  }
  void run(const covlasso::ExecutionContext& ctx) override {
    // Straight into the JS output array: no second C×C matrix.
    execution_.backend->moments().moments(x_, has_y_ ? &y_ : nullptr, spec_, out_, execution_.with(ctx));
  }

 private:
  static const Args& expect_keys(const Args& args) {
    args.expect({"x", "center", "ddof", "products", "threads", "backend", "out"}, {"y"});
    return args;
  }
  Execution execution_;
  covlasso::MatrixView x_, y_;
  bool has_y_ = false;
  covlasso::MomentSpec spec_;
  double* out_ = nullptr;
};

std::unique_ptr<Job> make_covariance_job(const Args& args) {
  return std::make_unique<CovarianceJob>(args);
}

}  // namespace

// JS class MomentAccumulator(colsX, colsY, symmetric, state?): update / updateSync / merge /
// count / result / state; the TS CovarianceAccumulator wraps it. With `state` ({ count, shiftX,
// shiftY, sumX, sumY: Float64Array, moment: Float64Array }, as state() returns it) the
// accumulator is rebuilt through MomentAccumulator::from_state, which validates it.
class AccumulatorWrap : public Napi::ObjectWrap<AccumulatorWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "MomentAccumulator",
                       {InstanceMethod("update", &AccumulatorWrap::update),
                        InstanceMethod("updateSync", &AccumulatorWrap::update_sync),
                        InstanceMethod("merge", &AccumulatorWrap::merge),
                        InstanceMethod("count", &AccumulatorWrap::count),
                        InstanceMethod("result", &AccumulatorWrap::result),
                        InstanceMethod("state", &AccumulatorWrap::state)});
  }

  explicit AccumulatorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AccumulatorWrap>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber() || !info[1].IsNumber()) throw_invalid(env, "column counts must be numbers");
    const auto cols_x = info[0].As<Napi::Number>().Int64Value();
    const auto cols_y = info[1].As<Napi::Number>().Int64Value();
    const bool symmetric = info[2].ToBoolean().Value();
    if (info.Length() > 3 && info[3].IsObject()) {
      Napi::Object s = info[3].As<Napi::Object>();
      Napi::Value count = s.Get("count");
      if (!count.IsNumber()) throw_invalid(env, "state.count must be a number");
      const double n = count.As<Napi::Number>().DoubleValue();
      if (!(n >= 0 && n <= 9007199254740991.0) || n != static_cast<double>(static_cast<int64_t>(n))) {
        throw_invalid(env, "state.count must be a non-negative integer");
      }
      auto vec = [&](const char* name) {
        Napi::Value v = s.Get(name);
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
          throw_code(env, covlasso::ErrorCode::InvalidDtype, std::string("state.") + name + " must be a Float64Array");
        }
        Napi::Float64Array a = v.As<Napi::Float64Array>();
        return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
      };
      std::vector<double> shift_x = vec("shiftX"), shift_y = vec("shiftY"), sum_x = vec("sumX"),
                          sum_y = vec("sumY"), moment = vec("moment");
      run_or_throw(env, [&] {
        acc_ = std::make_unique<covlasso::MomentAccumulator>(covlasso::MomentAccumulator::from_state(
            cols_x, cols_y, symmetric, static_cast<int64_t>(n), std::move(shift_x), std::move(shift_y),
            std::move(sum_x), std::move(sum_y), std::move(moment)));
      });
      return;
    }
    run_or_throw(env, [&] { acc_ = std::make_unique<covlasso::MomentAccumulator>(cols_x, cols_y, symmetric); });
  }

 private:
  // An update job: holds the accumulator through `busy_` so two updates never overlap.
  // An update job (AccumulatorUpdateArgs: { x, y?, products, threads, backend }): holds the
  // accumulator through `busy_` so two updates never overlap.
  class UpdateJob : public Job {
   public:
    UpdateJob(AccumulatorWrap& owner, const Args& args)
        : owner_(owner), execution_((expect_keys(args), args)), x_(args.matrix("x")), has_y_(args.has("y")) {
      if (has_y_) y_ = args.matrix("y");
      products_ = get_products(args);
      if (owner_.busy_.exchange(true)) throw_invalid(args.env(), "the accumulator is busy with another update");
    }
    ~UpdateJob() override { owner_.busy_.store(false); }
    void run(const covlasso::ExecutionContext& ctx) override {
      execution_.backend->moments().accumulate(*owner_.acc_, x_, has_y_ ? &y_ : nullptr, products_, execution_.with(ctx));
    }

   private:
    static const Args& expect_keys(const Args& args) {
      args.expect({"x", "products", "threads", "backend"}, {"y"});
      return args;
    }
    AccumulatorWrap& owner_;
    Execution execution_;
    covlasso::MatrixView x_, y_;
    bool has_y_;
    covlasso::Products products_ = covlasso::Products::Auto;
  };

  void check_idle(Napi::Env env) const {
    if (busy_.load()) throw_invalid(env, "the accumulator is busy with an update");
  }

  Napi::Value update(const Napi::CallbackInfo& info) {
    Napi::Object args = require_object(info.Env(), info[0], "arguments");
    auto job = std::make_unique<UpdateJob>(*this, Args(args, "arguments"));
    // The worker keeps its arguments object alive until it settles: holding `this` there keeps
    // the accumulator alive too.
    Napi::Object held = Napi::Object::New(info.Env());
    held.Set("args", args);
    held.Set("self", info.This());
    return run_async(info.Env(), std::move(job), held, info[1]);
  }
  Napi::Value update_sync(const Napi::CallbackInfo& info) {
    Napi::Object args = require_object(info.Env(), info[0], "arguments");
    return run_sync(info.Env(), std::make_unique<UpdateJob>(*this, Args(args, "arguments")));
  }
  Napi::Value merge(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(constructor(env).Value())) {
      throw_invalid(env, "merge() needs another accumulator");
    }
    AccumulatorWrap* other = Unwrap(info[0].As<Napi::Object>());
    check_idle(env);
    other->check_idle(env);
    if (other == this) throw_invalid(env, "an accumulator cannot be merged with itself");
    run_or_throw(env, [&] { acc_->merge(*other->acc_); });
    return env.Undefined();
  }
  Napi::Value count(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(acc_->count()));
  }
  // result(center, ddof, out: Float64Array)
  Napi::Value result(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check_idle(env);
    Napi::Object holder = Napi::Object::New(env);
    holder.Set("out", info[2]);
    double* out = Args(holder, "result").typed<double>("out", napi_float64_array, acc_->cols_x() * acc_->cols_y());
    run_or_throw(env, [&] { acc_->result(info[0].ToBoolean().Value(), info[1].ToNumber().DoubleValue(), out); });
    return env.Undefined();
  }
  Napi::Value state(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check_idle(env);
    auto copy = [&](const std::vector<double>& v) {
      Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
      std::copy(v.begin(), v.end(), a.Data());
      return a;
    };
    Napi::Object s = Napi::Object::New(env);
    s.Set("count", Napi::Number::New(env, static_cast<double>(acc_->count())));
    s.Set("shiftX", copy(acc_->shift_x()));
    s.Set("shiftY", copy(acc_->shift_y()));
    s.Set("sumX", copy(acc_->sum_x()));
    s.Set("sumY", copy(acc_->sum_y()));
    s.Set("moment", copy(acc_->moment()));
    return s;
  }

  static Napi::FunctionReference& constructor(Napi::Env env) {
    return *env.GetInstanceData<Napi::FunctionReference>();
  }

  std::unique_ptr<covlasso::MomentAccumulator> acc_;
  std::atomic<bool> busy_{false};

  friend void register_moments(Napi::Env env, Napi::Object exports);
};

void register_moments(Napi::Env env, Napi::Object exports) {
  export_job(env, exports, "covariance", &make_covariance_job);
  Napi::Function ctor = AccumulatorWrap::define(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(ctor)));
  exports.Set("MomentAccumulator", ctor);
}

}  // namespace covlasso_binding
