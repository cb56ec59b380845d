#include "vector_ops.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define COVLASSO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define COVLASSO_CLONES
#endif

namespace covlasso {

COVLASSO_CLONES void axpy(size_t n, double a, const double* x, double* y) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

COVLASSO_CLONES void axpy4(size_t n, const double* a, const double* const* x, double* y) {
  const double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  const double* __restrict x0 = x[0];
  const double* __restrict x1 = x[1];
  const double* __restrict x2 = x[2];
  const double* __restrict x3 = x[3];
  for (size_t i = 0; i < n; ++i) {
    double v = y[i];
    v += a0 * x0[i];
    v += a1 * x1[i];
    v += a2 * x2[i];
    v += a3 * x3[i];
    y[i] = v;
  }
}

}  // namespace covlasso
