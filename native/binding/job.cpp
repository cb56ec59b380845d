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

// Settling a Promise must never throw: when the environment is being torn down (a worker's
// terminate(), process exit) every N-API call may fail, and a C++ exception escaping a
// completion callback terminates the whole process, the main thread included. So completion
// uses the raw C calls and ignores their status.
void settle(napi_env env, napi_deferred deferred, bool ok, napi_value value) {
  if (value == nullptr) napi_get_undefined(env, &value);
  if (ok) napi_resolve_deferred(env, deferred, value);
  else napi_reject_deferred(env, deferred, value);
}

class JobWorker : public Napi::AsyncWorker {
 public:
  JobWorker(Napi::Env env, std::unique_ptr<Job> job, Napi::Object args, Napi::Value control)
      : Napi::AsyncWorker(env, "covlasso"), job_(std::move(job)), args_(Napi::Persistent(args)) {
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_promise(env, &deferred_, &promise_));
    if (control.IsObject()) {
      Napi::Object c = control.As<Napi::Object>();
      Napi::Value token = c.Get("token");
      if (token.IsObject()) flag_ = CancelToken::Unwrap(token.As<Napi::Object>())->flag();
      Napi::Value callback = c.Get("onProgress");
      if (callback.IsFunction()) {
        progress_ = std::make_shared<ProgressReporter>(env, callback.As<Napi::Function>());
      }
    }
    if (!flag_) flag_ = std::make_shared<covlasso::CancelFlag>(false);
    // Registered after the progress function, so it runs before that function's own cleanup
    // (hooks run in reverse order of registration). Removed when the job settles.
    hooked_ = napi_add_env_cleanup_hook(env, &JobWorker::on_env_teardown, this) == napi_ok;
  }
  Napi::Promise promise() const { return Napi::Promise(Env(), promise_); }

 protected:
  void Execute() override {
    covlasso::ExecutionContext ctx;
    ctx.cancel = flag_.get();
    if (progress_) {
      std::shared_ptr<ProgressReporter> reporter = progress_;
      ctx.progress = [reporter](double fraction) { reporter->report(fraction); };
    }
    if (!catch_as_code([&] { job_->run(ctx); }, code_, message_)) failed_ = true;
  }
  // Replaces node-addon-api's completion (which builds an Error and rethrows into JS, and
  // throws itself when that fails): settles the Promise with calls that cannot throw, then
  // deletes the worker.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (hooked_) napi_remove_env_cleanup_hook(env, &JobWorker::on_env_teardown, this);
    hooked_ = false;
    progress_.reset();
    if (status != napi_cancelled && !tearing_down_) {
      napi_handle_scope scope = nullptr;
      if (napi_open_handle_scope(env, &scope) == napi_ok) {
        complete();
        napi_close_handle_scope(env, scope);
      }
    }
    Destroy();
  }
  void OnOK() override {}  // unused: see OnWorkComplete

 private:
  // The environment is going away with this job still running: stop the core's pool promptly
  // (Node waits for the job before freeing the inputs) and never call into JS again.
  static void on_env_teardown(void* data) {
    auto* self = static_cast<JobWorker*>(data);
    self->hooked_ = false;  // Node removes a hook once it has run
    self->tearing_down_ = true;
    self->flag_->store(true);
    if (self->progress_) self->progress_->close();
  }
  void complete() {
    napi_value value = nullptr;
    bool ok = !failed_;
    if (failed_) {
      value = error_value(code_, message_);
    } else {
      try {
        value = job_->result(Env());
      } catch (const Napi::Error& e) {
        ok = false;
        value = e.IsEmpty() ? nullptr : static_cast<napi_value>(e.Value());
      } catch (...) {
        ok = false;
        value = error_value(covlasso::ErrorCode::OutOfMemory, "out of memory");
      }
    }
    settle(Env(), deferred_, ok, value);
  }
  napi_value error_value(covlasso::ErrorCode code, const std::string& message) {
    try {
      return make_error(Env(), code, message).Value();
    } catch (...) {
      return nullptr;
    }
  }

  napi_deferred deferred_ = nullptr;
  napi_value promise_ = nullptr;
  std::unique_ptr<Job> job_;
  Napi::ObjectReference args_;  // keeps every typed array the job points into alive
  std::shared_ptr<covlasso::CancelFlag> flag_;
  std::shared_ptr<ProgressReporter> progress_;
  bool failed_ = false;
  bool hooked_ = false;
  bool tearing_down_ = false;
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

ProgressReporter::~ProgressReporter() { close(); }

void ProgressReporter::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  closed_ = true;
  function_.Release();
}

void ProgressReporter::report(double fraction) {
  const int64_t now = now_ms();
  int64_t last = last_ms_.load();
  if (now - last < kProgressIntervalMs || !last_ms_.compare_exchange_strong(last, now)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;  // released, or the environment is being torn down
  function_.NonBlockingCall([fraction](Napi::Env env, Napi::Function callback) {
    // The TS layer's callback never throws (runAsync catches the user's errors); anything
    // else (a failing call during teardown) must not escape into N-API.
    try {
      callback.Call({Napi::Number::New(env, fraction)});
    } catch (...) {
    }
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
