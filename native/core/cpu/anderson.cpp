#include "anderson.hpp"
#include "small_linalg.hpp"

#include <algorithm>
#include <cmath>

namespace covlasso {

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
  // A small relative ridge keeps nearly dependent differences solvable.
  double scale = 0;
  for (size_t i = 0; i < k; ++i) scale = std::max(scale, utu[i][i]);
  for (size_t i = 0; i < k; ++i) utu[i][i] += 1e-10 * scale;
  double ones[kAndersonDepth];
  std::fill(ones, ones + k, 1.0);
  double z[kAndersonDepth];
  if (!cholesky_solve(&utu[0][0], k, ones, z, 0.0)) return false;
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

void AndersonHistory::reset(size_t n) {
  n_ = n;
  recorded_ = 0;
  iterates_.resize((kAndersonDepth + 1) * n);
}

bool AndersonHistory::record(const double* x) {
  const size_t slot = static_cast<size_t>(recorded_++ % (kAndersonDepth + 1));
  std::copy(x, x + n_, iterates_.begin() + slot * n_);
  return slot == kAndersonDepth;
}

bool AndersonHistory::extrapolate(std::vector<double>& out) const {
  out.resize(n_);
  return anderson_extrapolate(iterates_.data(), n_, out.data());
}

}  // namespace covlasso
