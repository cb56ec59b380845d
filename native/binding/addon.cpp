// Module entry: registers every job and class. Context-aware (safe in worker_threads).
#include <napi.h>

#include "job.hpp"

namespace covlasso_binding {
void register_lasso(Napi::Env env, Napi::Object exports);
void register_moments(Napi::Env env, Napi::Object exports);
}  // namespace covlasso_binding

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  covlasso_binding::register_lasso(env, exports);
  covlasso_binding::register_moments(env, exports);
  exports.Set("CancelToken", covlasso_binding::CancelToken::define(env));
  exports.Set("hardwareThreads", Napi::Number::New(env, covlasso::hardware_threads()));
  return exports;
}

NODE_API_MODULE(covlasso, init)
