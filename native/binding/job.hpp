// One general mechanism for every heavy operation: a Job is built from its arguments on the
// JS thread, runs on a libuv thread (which coordinates the core's own thread pool) or, for the
// *Sync twins, directly on the JS thread, and turns its outputs into JS values on the JS thread.
// Every exception, wherever it is thrown, becomes a JS error through one mapping
// (catch_as_code).
#pragma once

#include <napi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "backend.hpp"
#include "convert.hpp"
#include "execution.hpp"

namespace covlasso_binding {

// The one exception-to-code mapping: runs body, and on an exception sets (code, message) and
// returns false. covlasso::Error keeps its code, std::bad_alloc is OutOfMemory, anything else
// Internal. A Napi::Error (a JS error already made on the JS thread) is rethrown as it is.
template <typename F>
bool catch_as_code(F&& body, covlasso::ErrorCode& code, std::string& message) {
  try {
    body();
    return true;
  } catch (const Napi::Error&) {
    throw;
  } catch (const covlasso::Error& e) {
    code = e.code();
    message = e.what();
  } catch (const std::bad_alloc&) {
    code = covlasso::ErrorCode::OutOfMemory;
    message = "out of memory";
  } catch (const std::exception& e) {
    code = covlasso::ErrorCode::Internal;
    message = std::string("internal error: ") + e.what();
  } catch (...) {
    code = covlasso::ErrorCode::Internal;
    message = "internal error";
  }
  return false;
}

// Runs body on the JS thread, throwing a coded JS error for any exception.
template <typename F>
void run_or_throw(Napi::Env env, F&& body) {
  covlasso::ErrorCode code = covlasso::ErrorCode::Internal;
  std::string message;
  if (!catch_as_code(std::forward<F>(body), code, message)) throw make_error(env, code, message);
}

class Job {
 public:
  virtual ~Job() = default;
  // ctx carries the cancel flag and progress of the call; threads come from the arguments.
  virtual void run(const covlasso::ExecutionContext& ctx) = 0;  // no N-API calls in here
  virtual Napi::Value result(Napi::Env env) { return env.Undefined(); }
};

// The keys every job's arguments carry: `threads` (≤ 0: all) and `backend` ('cpu' | 'cuda' |
// 'auto'). The backend is chosen here, on the JS thread (BackendUnavailable if it cannot run).
struct Execution {
  explicit Execution(const Args& args);
  int threads;
  const covlasso::Backend* backend;
  covlasso::ExecutionContext with(const covlasso::ExecutionContext& ctx) const;
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

// Calls a JS progress callback from any thread, at most once per interval, until close()
// (the job settled, or the environment is being torn down: after that the thread-safe function
// may already be freed by Node, so it is never touched again).
class ProgressReporter {
 public:
  ProgressReporter(Napi::Env env, Napi::Function callback);
  ~ProgressReporter();
  void report(double fraction);
  void close();

 private:
  std::mutex mutex_;
  bool closed_ = false;
  Napi::ThreadSafeFunction function_;
  std::atomic<int64_t> last_ms_{-1000000};
};

// Runs the job asynchronously: args = the arguments object (kept alive until the job settles),
// control = { token?: CancelToken, onProgress?: Function }. Returns a Promise that always settles.
Napi::Value run_async(Napi::Env env, std::unique_ptr<Job> job, Napi::Object args, Napi::Value control);

// Runs the job on the JS thread and returns its result, or throws a JS error with a code.
Napi::Value run_sync(Napi::Env env, std::unique_ptr<Job> job);

// Exports `name` (async) and `nameSync`, both building the job with `make` from info[0].
void export_job(Napi::Env env, Napi::Object exports, const char* name, std::unique_ptr<Job> (*make)(const Args& args));

}  // namespace covlasso_binding
