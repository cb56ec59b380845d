#include "anderson.hpp"

#include <algorithm>
#include <cmath>

namespace covlasso {

namespace {

// Solves the small symmetric positive definite system A z = 1 (n ≤ kAndersonDepth) by Cholesky
// with a relative ridge; returns false when A is numerically singular.
bool solve_ones(double (&a)[kAndersonDepth][kAndersonDepth], size_t n, double* z) {
  double scale = 0;
  for (size_t i = 0; i < n; ++i) scale = std::max(scale, a[i][i]);
  if (!(scale > 0) || !std::isfinite(scale)) return false;
  for (size_t i = 0; i < n; ++i) a[i][i] += 1e-10 * scale;
  for (size_t j = 0; j < n; ++j) {
    double diag = a[j][j];
    for (size_t k = 0; k < j; ++k) diag -= a[j][k] * a[j][k];
    if (!(diag > 0)) return false;
    a[j][j] = std::sqrt(diag);
    for (size_t i = j + 1; i < n; ++i) {
      double v = a[i][j];
      for (size_t k = 0; k < j; ++k) v -= a[i][k] * a[j][k];
      a[i][j] = v / a[j][j];
    }
  }
  for (size_t i = 0; i < n; ++i) {  // L y = 1
    double v = 1;
    for (size_t k = 0; k < i; ++k) v -= a[i][k] * z[k];
    z[i] = v / a[i][i];
  }
  for (size_t i = n; i-- > 0;) {  // Lᵀ z = y
    double v = z[i];
    for (size_t k = i + 1; k < n; ++k) v -= a[k][i] * z[k];
    z[i] = v / a[i][i];
  }
  return true;
}

}  // namespace

bool anderson_extrapolate(const double* history, size_t n, double* out) {
  const size_t k = kAndersonDepth;
  double utu[kAndersonDepth][kAndersonDepth];
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      const double* a0 = history + i * n;
      const double* a1 = a0 + n;
      const double* b0 = history + j * n;
      const double* b1 = b0 + n;
      double dot = 0;
      for (size_t e = 0; e < n; ++e) dot += (a1[e] - a0[e]) * (b1[e] - b0[e]);
      utu[i][j] = utu[j][i] = dot;
    }
  }
  double z[kAndersonDepth];
  if (!solve_ones(utu, k, z)) return false;
  double total = 0;
  for (size_t i = 0; i < k; ++i) total += z[i];
  if (!(std::fabs(total) > 0) || !std::isfinite(total)) return false;
  std::fill(out, out + n, 0.0);
  for (size_t i = 0; i < k; ++i) {
    const double weight = z[i] / total;
    const double* iterate = history + (i + 1) * n;
    for (size_t e = 0; e < n; ++e) out[e] += weight * iterate[e];
  }
  return true;
}

}  // namespace covlasso
