// Covariance jobs (`covariance`, `covarianceSync`) and the streaming `MomentAccumulator` class.
#include <napi.h>

#include <algorithm>
#include <atomic>

#include "job.hpp"
#include "moments.hpp"

namespace covlasso_binding {

namespace {

// args.products: "float64" forces float64 products for float32 input; anything else is Auto.
covlasso::Products get_products(const Napi::Object& args) {
  Napi::Value v = args.Get("products");
  return v.IsString() && v.As<Napi::String>().Utf8Value() == "float64" ? covlasso::Products::Float64
                                                                       : covlasso::Products::Auto;
}

// args: { x: {data, rows, cols}, y?: {data, rows, cols}, center, ddof, threads, out: Float64Array }
class CovarianceJob : public Job {
 public:
  explicit CovarianceJob(const Napi::Object& args)
      : x_(get_matrix(args, "x")), has_y_(args.Get("y").IsObject()) {
    if (has_y_) y_ = get_matrix(args, "y");
    center_ = get_bool(args, "center");
    ddof_ = get_number(args, "ddof");
    threads_ = static_cast<int>(get_number(args, "threads"));
    products_ = get_products(args);
    const int64_t cols_y = has_y_ ? y_.cols : x_.cols;
    out_ = get_typed<double>(args, "out", napi_float64_array, x_.cols * cols_y);
  }
  void run(const RunContext& context) override {
    // Straight into the JS output array: no second C×C matrix.
    if (has_y_) {
      covlasso::cross_moments(x_, y_, center_, ddof_, threads_, context.cancel, out_, products_, context.progress);
    } else {
      covlasso::covariance(x_, center_, ddof_, threads_, context.cancel, out_, products_, context.progress);
    }
  }

 private:
  covlasso::MatrixView x_, y_;
  bool has_y_;
  bool center_ = false;
  double ddof_ = 0;
  int threads_ = 0;
  covlasso::Products products_ = covlasso::Products::Auto;
  double* out_ = nullptr;
};

std::unique_ptr<Job> make_covariance_job(const Napi::Object& args) {
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
          throw make_error(env, "ERR_COVLASSO_INVALID_DTYPE", std::string("state.") + name + " must be a Float64Array");
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
  class UpdateJob : public Job {
   public:
    UpdateJob(AccumulatorWrap& owner, const Napi::Object& args)
        : owner_(owner), x_(get_matrix(args, "x")), has_y_(args.Get("y").IsObject()) {
      if (has_y_) y_ = get_matrix(args, "y");
      threads_ = static_cast<int>(get_number(args, "threads"));
      products_ = get_products(args);
      if (owner_.busy_.exchange(true)) {
        throw make_error(args.Env(), "ERR_COVLASSO_INVALID_ARGUMENT", "the accumulator is busy with another update");
      }
    }
    ~UpdateJob() override { owner_.busy_.store(false); }
    void run(const RunContext& context) override {
      covlasso::update_in_slices(*owner_.acc_, x_, has_y_ ? &y_ : nullptr, threads_, context.cancel, products_,
                                 context.progress);
    }

   private:
    AccumulatorWrap& owner_;
    covlasso::MatrixView x_, y_;
    bool has_y_;
    int threads_ = 0;
    covlasso::Products products_ = covlasso::Products::Auto;
  };

  template <typename F>
  static void run_or_throw(Napi::Env env, F&& body) {
    try {
      body();
    } catch (const covlasso::Error& e) {
      throw make_error(env, covlasso::error_code_name(e.code()), e.what());
    }
  }

  void check_idle(Napi::Env env) const {
    if (busy_.load()) throw make_error(env, "ERR_COVLASSO_INVALID_ARGUMENT", "the accumulator is busy with an update");
  }

  Napi::Value update(const Napi::CallbackInfo& info) {
    Napi::Object args = require_object(info.Env(), info[0], "arguments");
    args.Set("self", info.This());  // the worker keeps args, hence this accumulator, alive
    return run_async(info, std::make_unique<UpdateJob>(*this, args));
  }
  Napi::Value update_sync(const Napi::CallbackInfo& info) {
    Napi::Object args = require_object(info.Env(), info[0], "arguments");
    return run_sync(info, std::make_unique<UpdateJob>(*this, args));
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
    double* out = get_typed<double>(holder, "out", napi_float64_array, acc_->cols_x() * acc_->cols_y());
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
