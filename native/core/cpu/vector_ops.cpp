#include "vector_ops.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define COVLASSO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define COVLASSO_CLONES
#endif

namespace covlasso {

namespace {

template <typename T>
inline void axpy_of(size_t n, double a, const T* x, double* y) {
  for (size_t i = 0; i < n; ++i) y[i] += a * static_cast<double>(x[i]);
}

template <typename T>
inline void axpy4_of(size_t n, const double* a, const T* const* x, double* y) {
  const double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  const T* __restrict x0 = x[0];
  const T* __restrict x1 = x[1];
  const T* __restrict x2 = x[2];
  const T* __restrict x3 = x[3];
  for (size_t i = 0; i < n; ++i) {
    double v = y[i];
    v += a0 * static_cast<double>(x0[i]);
    v += a1 * static_cast<double>(x1[i]);
    v += a2 * static_cast<double>(x2[i]);
    v += a3 * static_cast<double>(x3[i]);
    y[i] = v;
  }
}

template <typename T>
inline double dot_of(size_t n, const double* a, const T* x) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * static_cast<double>(x[i + k]);
  }
  for (int k = 0; i < n; ++i, ++k) acc[k] += a[i] * static_cast<double>(x[i]);
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

}  // namespace

// The clones are the exported functions themselves (target_clones on an inline template would
// not be dispatched); the templates are inlined into each clone and vectorised for its level.
COVLASSO_CLONES void axpy(size_t n, double a, const double* x, double* y) { axpy_of(n, a, x, y); }
COVLASSO_CLONES void axpy(size_t n, double a, const float* x, double* y) { axpy_of(n, a, x, y); }
COVLASSO_CLONES void axpy4(size_t n, const double* a, const double* const* x, double* y) { axpy4_of(n, a, x, y); }
COVLASSO_CLONES void axpy4(size_t n, const double* a, const float* const* x, double* y) { axpy4_of(n, a, x, y); }
COVLASSO_CLONES double dot(size_t n, const double* a, const double* x) { return dot_of(n, a, x); }
COVLASSO_CLONES double dot(size_t n, const double* a, const float* x) { return dot_of(n, a, x); }

}  // namespace covlasso
