// Module entry: registers every job and class. Context-aware (safe in worker_threads).
#include <napi.h>

#include "backend.hpp"
#include "errors.hpp"
#include "job.hpp"

namespace covlasso_binding {
void register_lasso(Napi::Env env, Napi::Object exports);
void register_moments(Napi::Env env, Napi::Object exports);
void register_linalg(Napi::Env env, Napi::Object exports);
void register_factored(Napi::Env env, Napi::Object exports);

namespace {

// backends(): [{ name, compiled, available, detail }] (what `covlasso info` prints).
Napi::Value backends(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<covlasso::BackendStatus> statuses;
  run_or_throw(env, [&] { statuses = covlasso::backend_statuses(); });
  Napi::Array out = Napi::Array::New(env, statuses.size());
  for (size_t i = 0; i < statuses.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", statuses[i].name);
    entry.Set("compiled", statuses[i].compiled);
    entry.Set("available", statuses[i].available);
    entry.Set("detail", statuses[i].detail);
    out.Set(static_cast<uint32_t>(i), entry);
  }
  return out;
}

Napi::Array error_codes(Napi::Env env) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const char* const* name = covlasso::all_error_code_names(); *name != nullptr; ++name) out.Set(i++, *name);
  return out;
}

}  // namespace
}  // namespace covlasso_binding

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  covlasso_binding::register_lasso(env, exports);
  covlasso_binding::register_moments(env, exports);
  covlasso_binding::register_linalg(env, exports);
  covlasso_binding::register_factored(env, exports);
  exports.Set("CancelToken", covlasso_binding::CancelToken::define(env));
  exports.Set("hardwareThreads", Napi::Number::New(env, covlasso::hardware_threads()));
  exports.Set("errorCodes", covlasso_binding::error_codes(env));
  exports.Set("backends", Napi::Function::New(env, covlasso_binding::backends));
  return exports;
}

NODE_API_MODULE(covlasso, init)
