#include "job.hpp"

#include <new>

#include "errors.hpp"

namespace covlasso_binding {

namespace {

constexpr int64_t kProgressIntervalMs = 100;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

class JobWorker : public Napi::AsyncWorker {
 public:
  JobWorker(Napi::Env env, std::unique_ptr<Job> job, Napi::Object args, Napi::Value control)
      : Napi::AsyncWorker(env, "covlasso"), deferred_(Napi::Promise::Deferred::New(env)),
        job_(std::move(job)), args_(Napi::Persistent(args)) {
    if (control.IsObject()) {
      Napi::Object c = control.As<Napi::Object>();
      Napi::Value token = c.Get("token");
      if (token.IsObject()) flag_ = CancelToken::Unwrap(token.As<Napi::Object>())->flag();
      Napi::Value callback = c.Get("onProgress");
      if (callback.IsFunction()) {
        progress_ = std::make_shared<ProgressReporter>(env, callback.As<Napi::Function>());
      }
    }
  }
  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    covlasso::ExecutionContext ctx;
    ctx.cancel = flag_.get();
    if (progress_) {
      std::shared_ptr<ProgressReporter> reporter = progress_;
      ctx.progress = [reporter](double fraction) { reporter->report(fraction); };
    }
    if (!catch_as_code([&] { job_->run(ctx); }, code_, message_)) SetError(message_);
  }
  void OnOK() override {
    progress_.reset();
    Napi::Env env = Env();
    try {
      deferred_.Resolve(job_->result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error&) override {
    progress_.reset();
    deferred_.Reject(make_error(Env(), code_, message_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<Job> job_;
  Napi::ObjectReference args_;  // keeps every typed array the job points into alive
  std::shared_ptr<covlasso::CancelFlag> flag_;
  std::shared_ptr<ProgressReporter> progress_;
  covlasso::ErrorCode code_ = covlasso::ErrorCode::Internal;
  std::string message_;
};

}  // namespace

Napi::Function CancelToken::define(Napi::Env env) {
  return DefineClass(env, "CancelToken", {InstanceMethod("cancel", &CancelToken::cancel)});
}

CancelToken::CancelToken(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<CancelToken>(info), flag_(std::make_shared<covlasso::CancelFlag>(false)) {}

Napi::Value CancelToken::cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

ProgressReporter::ProgressReporter(Napi::Env env, Napi::Function callback)
    : function_(Napi::ThreadSafeFunction::New(env, callback, "covlasso-progress", 0, 1)) {}

ProgressReporter::~ProgressReporter() { function_.Release(); }

void ProgressReporter::report(double fraction) {
  const int64_t now = now_ms();
  int64_t last = last_ms_.load();
  if (now - last < kProgressIntervalMs || !last_ms_.compare_exchange_strong(last, now)) return;
  function_.NonBlockingCall([fraction](Napi::Env env, Napi::Function callback) {
    callback.Call({Napi::Number::New(env, fraction)});
  });
}

Napi::Value run_async(Napi::Env env, std::unique_ptr<Job> job, Napi::Object args, Napi::Value control) {
  auto* worker = new JobWorker(env, std::move(job), args, control);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value run_sync(Napi::Env env, std::unique_ptr<Job> job) {
  run_or_throw(env, [&] { job->run(covlasso::ExecutionContext{}); });
  return job->result(env);
}

Execution::Execution(const Args& args)
    : threads(static_cast<int>(args.integer("threads"))), backend(nullptr) {
  const std::string name = args.string("backend");
  run_or_throw(args.env(), [&] { backend = &covlasso::select_backend(covlasso::parse_backend_choice(name)); });
}

covlasso::ExecutionContext Execution::with(const covlasso::ExecutionContext& ctx) const {
  covlasso::ExecutionContext out = ctx;
  out.threads = threads;
  return out;
}

void export_job(Napi::Env env, Napi::Object exports, const char* name, std::unique_ptr<Job> (*make)(const Args& args)) {
  exports.Set(name, Napi::Function::New(env, [make](const Napi::CallbackInfo& info) {
    Napi::Object args = require_object(info.Env(), info[0], "arguments");
    std::unique_ptr<Job> job;
    run_or_throw(info.Env(), [&] { job = make(Args(args, "arguments")); });
    return run_async(info.Env(), std::move(job), args, info[1]);
  }));
  exports.Set(std::string(name) + "Sync", Napi::Function::New(env, [make](const Napi::CallbackInfo& info) {
    Napi::Object args = require_object(info.Env(), info[0], "arguments");
    std::unique_ptr<Job> job;
    run_or_throw(info.Env(), [&] { job = make(Args(args, "arguments")); });
    return run_sync(info.Env(), std::move(job));
  }));
}

}  // namespace covlasso_binding
