// Conversions between JS values and core views. Everything here runs on the JS thread.
// The TS layer validates user input first; these checks are a second line of defence and
// throw JS errors with the same stable codes instead of crashing.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "errors.hpp"
#include "matrix.hpp"

namespace covlasso_binding {

// A JS Error with a stable `code` property (mapped to typed classes by the TS layer).
inline Napi::Error make_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

[[noreturn]] inline void throw_invalid(Napi::Env env, const std::string& message) {
  throw make_error(env, "ERR_COVLASSO_INVALID_ARGUMENT", message);
}

inline Napi::Object require_object(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsObject()) throw_invalid(env, std::string(what) + " must be an object");
  return value.As<Napi::Object>();
}

inline double get_number(const Napi::Object& obj, const char* key) {
  Napi::Value v = obj.Get(key);
  if (!v.IsNumber()) throw_invalid(obj.Env(), std::string("'") + key + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline bool get_bool(const Napi::Object& obj, const char* key) {
  Napi::Value v = obj.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}

// Typed array of a given element type, with its element count checked when expected >= 0.
template <typename T>
T* get_typed(const Napi::Object& obj, const char* key, napi_typedarray_type type, int64_t expected) {
  Napi::Value v = obj.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw make_error(obj.Env(), "ERR_COVLASSO_INVALID_DTYPE", std::string("'") + key + "' has the wrong type");
  }
  Napi::TypedArray array = v.As<Napi::TypedArray>();
  if (expected >= 0 && static_cast<int64_t>(array.ElementLength()) != expected) {
    throw make_error(obj.Env(), "ERR_COVLASSO_SHAPE_MISMATCH",
                     std::string("'") + key + "' has " + std::to_string(array.ElementLength()) +
                         " elements, expected " + std::to_string(expected));
  }
  return reinterpret_cast<T*>(static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset());
}

// A float32 or float64 matrix given as { data, rows, cols } on `obj[key]`.
inline covlasso::MatrixView get_matrix(const Napi::Object& obj, const char* key) {
  Napi::Object m = require_object(obj.Env(), obj.Get(key), key);
  const double rows = get_number(m, "rows"), cols = get_number(m, "cols");
  if (!(rows >= 0) || !(cols >= 0)) throw_invalid(obj.Env(), std::string(key) + ": bad shape");
  Napi::Value data = m.Get("data");
  const bool f32 = data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
  const int64_t n = static_cast<int64_t>(rows) * static_cast<int64_t>(cols);
  const void* ptr = f32 ? static_cast<const void*>(get_typed<float>(m, "data", napi_float32_array, n))
                        : static_cast<const void*>(get_typed<double>(m, "data", napi_float64_array, n));
  return covlasso::MatrixView{ptr, f32 ? covlasso::DType::F32 : covlasso::DType::F64,
                              static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
}

}  // namespace covlasso_binding
