// Non-owning views of row-major matrices in float32 or float64.
#pragma once

#include <cstdint>

#include "errors.hpp"

namespace covlasso {

enum class DType { F32, F64 };

// A read-only row-major matrix whose element type is known only at run time. Readers that
// compute in float64 widen each value exactly; a float32 matrix is half the memory and half the
// bytes streamed (the solver keeps a float32 covariance as it is, lasso_problem.hpp).
struct MatrixView {
  const void* data = nullptr;
  DType dtype = DType::F64;
  int64_t rows = 0;
  int64_t cols = 0;

  MatrixView() = default;
  MatrixView(const void* d, DType t, int64_t r, int64_t c) : data(d), dtype(t), rows(r), cols(c) {}
  MatrixView(const double* d, int64_t r, int64_t c) : data(d), dtype(DType::F64), rows(r), cols(c) {}
  MatrixView(const float* d, int64_t r, int64_t c) : data(d), dtype(DType::F32), rows(r), cols(c) {}

  double at(int64_t r, int64_t c) const {
    const int64_t k = r * cols + c;
    return dtype == DType::F32 ? static_cast<double>(static_cast<const float*>(data)[k])
                               : static_cast<const double*>(data)[k];
  }
  // The same matrix restricted to rows [begin, end).
  MatrixView row_slice(int64_t begin, int64_t end) const {
    const int64_t elem = dtype == DType::F32 ? 4 : 8;
    return MatrixView{static_cast<const char*>(data) + begin * cols * elem, dtype, end - begin, cols};
  }
};

// Calls f(first), first a `const float*` or `const double*` to the matrix's first element, so
// one generic lambda serves both element types with the dispatch outside its loops.
template <typename F>
decltype(auto) with_elements(const MatrixView& m, F&& f) {
  if (m.dtype == DType::F32) return f(static_cast<const float*>(m.data));
  return f(static_cast<const double*>(m.data));
}

// A read-only row-major float64 matrix.
struct DoubleMatrixView {
  const double* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  const double* row(int64_t r) const { return data + r * cols; }
  double at(int64_t r, int64_t c) const { return data[r * cols + c]; }
};

}  // namespace covlasso
