// Status codes and the one exception type the core throws.
// The codes are error_codes.def; the binding maps each to a typed JS error with that `code`.
#pragma once

#include <stdexcept>
#include <string>

namespace covlasso {

enum class ErrorCode {
#define COVLASSO_ERROR(name, code, raised_by) name,
#include "error_codes.def"
#undef COVLASSO_ERROR
};

// Stable string for a code, e.g. "ERR_COVLASSO_NOT_FINITE".
inline const char* error_code_name(ErrorCode code) {
  switch (code) {
#define COVLASSO_ERROR(name, code_string, raised_by) \
  case ErrorCode::name:                              \
    return code_string;
#include "error_codes.def"
#undef COVLASSO_ERROR
  }
  return "ERR_COVLASSO_INTERNAL";
}

// Every code, in the order of error_codes.def (null-terminated).
inline const char* const* all_error_code_names() {
  static const char* const names[] = {
#define COVLASSO_ERROR(name, code, raised_by) code,
#include "error_codes.def"
#undef COVLASSO_ERROR
      nullptr};
  return names;
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace covlasso
