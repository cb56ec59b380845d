// Conversions between JS values and core views. Everything here runs on the JS thread.
//
// The binding owns the JS ↔ C++ contract (one TypeScript type per call in
// lib/runtime/native-types.ts): every argument object must hold exactly the keys its call
// names (Args::expect), each of the type it names, and typed arrays of the element type and
// length the call needs. A missing, misspelled or mistyped key is an error with a stable code,
// never a silent default. What the values mean (λ ≥ 0, targets in range, ...) is checked by
// the TS layer, in the user's terms, and the core's invariants by the core.
#pragma once

#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "errors.hpp"
#include "factored.hpp"
#include "matrix.hpp"

namespace covlasso_binding {

// A JS Error with a stable `code` property (mapped to typed classes by the TS layer).
inline Napi::Error make_error(Napi::Env env, covlasso::ErrorCode code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, covlasso::error_code_name(code)));
  return error;
}

[[noreturn]] inline void throw_code(Napi::Env env, covlasso::ErrorCode code, const std::string& message) {
  throw make_error(env, code, message);
}

[[noreturn]] inline void throw_invalid(Napi::Env env, const std::string& message) {
  throw_code(env, covlasso::ErrorCode::InvalidArgument, message);
}

inline Napi::Object require_object(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsObject()) throw_invalid(env, std::string(what) + " must be an object");
  return value.As<Napi::Object>();
}

// One argument object of a native call, read by key.
class Args {
 public:
  Args(const Napi::Object& object, std::string what) : object_(object), what_(std::move(what)) {}

  // Rejects a key outside required ∪ optional and a missing required key (an optional key
  // holding undefined counts as absent).
  void expect(std::initializer_list<const char*> required, std::initializer_list<const char*> optional = {}) const;

  bool has(const char* key) const { return !object_.Get(key).IsUndefined(); }
  double number(const char* key) const;
  int64_t integer(const char* key) const;  // a number that is a safe integer
  bool boolean(const char* key) const;
  std::string string(const char* key) const;
  Args object(const char* key) const;

  // A typed array of the given element type; its element count is checked when expected >= 0.
  template <typename T>
  T* typed(const char* key, napi_typedarray_type type, int64_t expected) const;
  int64_t length(const char* key) const;  // element count of a typed array (any type)

  // A Float32Array or Float64Array holding a rows×cols row-major matrix.
  covlasso::MatrixView real_matrix(const char* key, int64_t rows, int64_t cols) const;

  // A float32 or float64 matrix { rows, cols, data }.
  covlasso::MatrixView matrix(const char* key) const;

  Napi::Env env() const { return object_.Env(); }
  const Napi::Object& value() const { return object_; }

 private:
  std::string name(const char* key) const { return what_ + "." + key; }
  Napi::Object object_;
  std::string what_;
};

template <typename T>
T* Args::typed(const char* key, napi_typedarray_type type, int64_t expected) const {
  Napi::Value v = object_.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw_code(env(), covlasso::ErrorCode::InvalidDtype, "'" + name(key) + "' has the wrong type");
  }
  Napi::TypedArray array = v.As<Napi::TypedArray>();
  if (expected >= 0 && static_cast<int64_t>(array.ElementLength()) != expected) {
    throw_code(env(), covlasso::ErrorCode::ShapeMismatch,
               "'" + name(key) + "' has " + std::to_string(array.ElementLength()) + " elements, expected " +
                   std::to_string(expected));
  }
  // The data pointer straight from napi_get_typedarray_info (which adds the byte offset): it
  // works for views of a SharedArrayBuffer too, where array.ArrayBuffer().Data() fails.
  void* data = nullptr;
  if (napi_get_typedarray_info(env(), array, nullptr, nullptr, &data, nullptr, nullptr) != napi_ok) {
    throw_invalid(env(), "'" + name(key) + "' cannot be read");
  }
  return static_cast<T*>(data);
}

// A factored covariance's head (NativeFactoredHead in native-types.ts): { w: {rows, cols, data},
// bias?: Float64Array (C), kernel: Float64Array (r×r) } among the keys of `args`. The views
// point into the JS arrays.
covlasso::FactoredHead read_factored_head(const Args& args);

}  // namespace covlasso_binding
