// Status codes and the one exception type the core throws.
// The binding maps each code to a typed JS error with a stable `code` string.
#pragma once

#include <stdexcept>
#include <string>

namespace covlasso {

enum class ErrorCode {
  InvalidArgument,  // a value out of its domain (negative lambda, bad option)
  ShapeMismatch,    // dimensions that do not fit together
  NotFinite,        // NaN or Inf in an input
  NotSymmetric,     // a covariance that is not square-symmetric
  Aborted,          // the caller's cancel flag was raised
  OutOfMemory,      // an allocation failed
  Internal,         // a bug: should never be seen
};

// Stable string for a code, e.g. "ERR_COVLASSO_NOT_FINITE".
inline const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "ERR_COVLASSO_INVALID_ARGUMENT";
    case ErrorCode::ShapeMismatch: return "ERR_COVLASSO_SHAPE_MISMATCH";
    case ErrorCode::NotFinite: return "ERR_COVLASSO_NOT_FINITE";
    case ErrorCode::NotSymmetric: return "ERR_COVLASSO_NOT_SYMMETRIC";
    case ErrorCode::Aborted: return "ERR_COVLASSO_ABORTED";
    case ErrorCode::OutOfMemory: return "ERR_COVLASSO_OUT_OF_MEMORY";
    case ErrorCode::Internal: return "ERR_COVLASSO_INTERNAL";
  }
  return "ERR_COVLASSO_INTERNAL";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace covlasso
