// One general mechanism for every heavy operation: a Job is built from its arguments on the
// JS thread, runs on a libuv thread (which coordinates the core's own thread pool) or, for the
// *Sync twins, directly on the JS thread, and turns its outputs into JS values on the JS thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "convert.hpp"
#include "thread_pool.hpp"

namespace covlasso_binding {

struct RunContext {
  const covlasso::CancelFlag* cancel = nullptr;
  std::function<void(double)> progress;  // fraction done in [0, 1]; thread-safe; may be empty
};

class Job {
 public:
  virtual ~Job() = default;
  virtual void run(const RunContext& context) = 0;  // no N-API calls in here
  virtual Napi::Value result(Napi::Env env) { return env.Undefined(); }
};

// JS-visible cancel flag: `new CancelToken()`, `token.cancel()`. Shared with the worker so the
// flag outlives whichever side finishes first.
class CancelToken : public Napi::ObjectWrap<CancelToken> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit CancelToken(const Napi::CallbackInfo& info);
  std::shared_ptr<covlasso::CancelFlag> flag() const { return flag_; }

 private:
  Napi::Value cancel(const Napi::CallbackInfo& info);
  std::shared_ptr<covlasso::CancelFlag> flag_;
};

// Calls a JS progress callback from any thread, at most once per interval.
class ProgressReporter {
 public:
  ProgressReporter(Napi::Env env, Napi::Function callback);
  ~ProgressReporter();
  void report(double fraction);

 private:
  Napi::ThreadSafeFunction function_;
  std::atomic<int64_t> last_ms_{-1000000};
};

// Runs the job asynchronously: info[0] = arguments object (kept alive until the job settles),
// info[1] = { token?: CancelToken, onProgress?: Function }. Returns a Promise that always settles.
Napi::Value run_async(const Napi::CallbackInfo& info, std::unique_ptr<Job> job);

// Runs the job on the JS thread and returns its result, or throws a JS error with a code.
Napi::Value run_sync(const Napi::CallbackInfo& info, std::unique_ptr<Job> job);

// Exports `name` (async) and `nameSync`, both building the job with `make`.
void export_job(Napi::Env env, Napi::Object exports, const char* name,
                std::unique_ptr<Job> (*make)(const Napi::Object& args));

}  // namespace covlasso_binding
