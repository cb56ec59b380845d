// Dense Cholesky factorisation and solves for the working-set solver's small systems, run by
// cooperating lanes (lanes.cuh): the same algorithm as the CPU's (native/core/cpu/small_linalg),
// A = UᵀU in place on the upper triangle, the strict lower triangle left holding A, columns whose
// pivot is ≤ tolerance·max diagonal dropped (dropped[j] = 1) when `dropped` is given. Run with a
// SingleLane it is the sequential algorithm (the Anderson weights use it so).
#pragma once

#include <cmath>
#include <cstdint>

#include "lanes.cuh"

namespace covlasso {
namespace cuda {

template <class Lanes>
COVLASSO_HD bool lanes_cholesky_factor(const Lanes& L, double* a, int64_t n, double relative_tolerance, int32_t* dropped) {
  double scale = 0;
  for (int64_t i = L.lane(); i < n; i += L.count()) scale = std::fmax(scale, a[i * n + i]);
  scale = L.max(scale);
  if (!(scale > 0) || !std::isfinite(scale)) return false;
  const double smallest = relative_tolerance * scale;
  for (int64_t j = 0; j < n; ++j) {
    L.sync();
    double* row = a + j * n;
    const double square = row[j];
    L.sync();  // every lane has read the pivot before row j is rewritten
    if (!(square > smallest)) {
      if (dropped == nullptr || !(square > -smallest)) return false;
      if (L.lane() == 0) dropped[j] = 1;  // a zero row of U: column j takes no part below
      for (int64_t k = j + L.lane(); k < n; k += L.count()) row[k] = k == j ? 1.0 : 0.0;
      continue;
    }
    if (dropped != nullptr && L.lane() == 0) dropped[j] = 0;
    const double pivot = std::sqrt(square);
    for (int64_t k = j + L.lane(); k < n; k += L.count()) row[k] = k == j ? pivot : row[k] / pivot;
    L.sync();
    for (int64_t i = j + 1; i < n; ++i) {  // A_i,i.. −= U_ji · U_j,i..
      const double u = row[i];
      double* ai = a + i * n;
      for (int64_t k = i + L.lane(); k < n; k += L.count()) ai[k] -= u * row[k];
    }
  }
  L.sync();
  return true;
}

// Solves A x = b on the kept columns (x_j = 0 where dropped) with a factor from above.
template <class Lanes>
COVLASSO_HD void lanes_cholesky_solve(const Lanes& L, const double* a, int64_t n, const double* b, double* x,
                                      const int32_t* dropped) {
  for (int64_t i = 0; i < n; ++i) {  // Uᵀ y = b
    if (dropped != nullptr && dropped[i] != 0) {
      if (L.lane() == 0) x[i] = 0;
      L.sync();
      continue;
    }
    double part = 0;
    for (int64_t k = L.lane(); k < i; k += L.count()) part += a[k * n + i] * x[k];
    const double v = b[i] - L.sum(part);
    L.sync();
    if (L.lane() == 0) x[i] = v / a[i * n + i];
    L.sync();
  }
  for (int64_t i = n; i-- > 0;) {  // U x = y
    if (dropped != nullptr && dropped[i] != 0) continue;
    const double* row = a + i * n;
    double part = 0;
    for (int64_t k = i + 1 + L.lane(); k < n; k += L.count()) part += row[k] * x[k];
    const double xi = x[i];
    const double v = xi - L.sum(part);
    L.sync();
    if (L.lane() == 0) x[i] = v / row[i];
    L.sync();
  }
}

}  // namespace cuda
}  // namespace covlasso
