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

}  // namespace covlasso
