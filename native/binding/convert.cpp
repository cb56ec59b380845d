#include "convert.hpp"

#include <cmath>

namespace covlasso_binding {

void Args::expect(std::initializer_list<const char*> required, std::initializer_list<const char*> optional) const {
  for (const char* key : required) {
    if (!has(key)) throw_invalid(env(), "'" + name(key) + "' is missing");
  }
  Napi::Array keys = object_.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).ToString().Utf8Value();
    bool known = false;
    for (const char* k : required) known = known || key == k;
    for (const char* k : optional) known = known || key == k;
    if (!known) throw_invalid(env(), "'" + name(key.c_str()) + "' is not an argument of this call");
  }
}

double Args::number(const char* key) const {
  Napi::Value v = object_.Get(key);
  if (!v.IsNumber()) throw_invalid(env(), "'" + name(key) + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t Args::integer(const char* key) const {
  const double v = number(key);
  if (!(std::fabs(v) <= 9007199254740991.0) || v != std::trunc(v)) {
    throw_invalid(env(), "'" + name(key) + "' must be an integer");
  }
  return static_cast<int64_t>(v);
}

bool Args::boolean(const char* key) const {
  Napi::Value v = object_.Get(key);
  if (!v.IsBoolean()) throw_invalid(env(), "'" + name(key) + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string Args::string(const char* key) const {
  Napi::Value v = object_.Get(key);
  if (!v.IsString()) throw_invalid(env(), "'" + name(key) + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

Args Args::object(const char* key) const {
  return Args(require_object(env(), object_.Get(key), name(key).c_str()), name(key));
}

int64_t Args::length(const char* key) const {
  Napi::Value v = object_.Get(key);
  if (!v.IsTypedArray()) throw_code(env(), covlasso::ErrorCode::InvalidDtype, "'" + name(key) + "' must be a typed array");
  return static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength());
}

covlasso::MatrixView Args::real_matrix(const char* key, int64_t rows, int64_t cols) const {
  Napi::Value data = object_.Get(key);
  const bool f32 = data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
  const int64_t n = rows * cols;
  if (f32) return covlasso::MatrixView{typed<float>(key, napi_float32_array, n), rows, cols};
  return covlasso::MatrixView{typed<double>(key, napi_float64_array, n), rows, cols};
}

covlasso::MatrixView Args::matrix(const char* key) const {
  const Args m = object(key);
  m.expect({"rows", "cols", "data"});
  const int64_t rows = m.integer("rows"), cols = m.integer("cols");
  if (rows < 0 || cols < 0) throw_invalid(env(), name(key) + ": bad shape");
  return m.real_matrix("data", rows, cols);
}

covlasso::FactoredHead read_factored_head(const Args& args) {
  covlasso::FactoredHead head;
  head.w = args.matrix("w");
  if (args.has("bias")) head.bias = args.typed<double>("bias", napi_float64_array, head.w.rows);
  const int64_t r = head.rank();
  head.kernel = args.typed<double>("kernel", napi_float64_array, r * r);
  return head;
}

}  // namespace covlasso_binding
