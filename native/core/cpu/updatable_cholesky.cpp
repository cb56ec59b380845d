// UpdatableCholesky (updatable_cholesky.hpp): appends by one triangular solve, removals by
// Givens rotations.
#include "updatable_cholesky.hpp"

#include <algorithm>
#include <cmath>

#include "vector_ops.hpp"

namespace covlasso {

void UpdatableCholesky::clear() {
  keys_.clear();
  scale_ = 0;
}

void UpdatableCholesky::reserve(size_t m) {
  if (m <= capacity_) return;
  // Grown in steps of 32 members, not doubled: the factor is m² doubles (a doubling could leave
  // three quarters of it unused), and the O(m²) copy every 32 additions is small beside them.
  const size_t grown = (m + 31) / 32 * 32;
  std::vector<double> next(grown * grown, 0.0);
  const size_t n = keys_.size();
  for (size_t i = 0; i < n; ++i) std::copy(&u_[i * capacity_ + i], &u_[i * capacity_ + n], &next[i * grown + i]);
  u_.swap(next);
  capacity_ = grown;
}

// Uᵀ y = b, column by column of Uᵀ (= row by row of U, contiguous): y_k = r_k / U_kk, then
// r_{k+1..} −= y_k U_{k,k+1..}.
void UpdatableCholesky::forward(const double* b, double* y) const {
  const size_t n = keys_.size();
  if (y != b) std::copy(b, b + n, y);
  for (size_t k = 0; k < n; ++k) {
    const double* row = &u_[k * capacity_];
    const double v = y[k] / row[k];
    y[k] = v;
    if (v != 0) axpy(n - k - 1, -v, row + k + 1, y + k + 1);
  }
}

// U x = y in place: x_i = (y_i − Σ_{k>i} U_ik x_k) / U_ii, over contiguous rows.
void UpdatableCholesky::backward(double* x) const {
  const size_t n = keys_.size();
  for (size_t i = n; i-- > 0;) {
    const double* row = &u_[i * capacity_];
    double v = x[i];
    for (size_t k = i + 1; k < n; ++k) v -= row[k] * x[k];
    x[i] = v / row[i];
  }
}

bool UpdatableCholesky::add(size_t key, const double* column, double diagonal, double relative_tolerance) {
  const size_t n = keys_.size();
  refused_.resize(n);
  forward(column, refused_.data());
  double pivot = diagonal;
  for (size_t i = 0; i < n; ++i) pivot -= refused_[i] * refused_[i];
  const double scale = std::max(scale_, diagonal);
  if (!(pivot > relative_tolerance * scale) || !std::isfinite(pivot)) return false;
  reserve(n + 1);
  for (size_t i = 0; i < n; ++i) u(i, n) = refused_[i];
  u(n, n) = std::sqrt(pivot);
  keys_.push_back(key);
  scale_ = scale;
  return true;
}

// Dropping column `position` of U leaves rows position+1.. one entry below the diagonal (upper
// Hessenberg); a rotation of rows (j, j+1) for each j from `position` on zeroes those entries,
// and the last row, now empty, goes.
void UpdatableCholesky::remove(size_t position) {
  const size_t n = keys_.size();
  for (size_t i = 0; i < n; ++i) {  // shift columns position+1.. left, row by row
    double* row = &u_[i * capacity_];
    const size_t from = std::max(i, position + 1);
    if (from < n) std::copy(row + from, row + n, row + from - 1);
  }
  for (size_t j = position; j + 1 < n; ++j) {
    double* top = &u_[j * capacity_];
    double* below = &u_[(j + 1) * capacity_];
    const double a = top[j];
    const double b = below[j];
    const double r = std::hypot(a, b);
    const double c = r > 0 ? a / r : 1.0;
    const double s = r > 0 ? b / r : 0.0;
    top[j] = r;
    below[j] = 0;
    for (size_t l = j + 1; l + 1 < n; ++l) {
      const double x = top[l];
      const double y = below[l];
      top[l] = c * x + s * y;
      below[l] = c * y - s * x;
    }
  }
  keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(position));
}

void UpdatableCholesky::solve(const double* b, double* x) const {
  forward(b, x);
  backward(x);
}

void UpdatableCholesky::null_direction(double* x) const {
  std::copy(refused_.begin(), refused_.end(), x);
  backward(x);
}

}  // namespace covlasso
