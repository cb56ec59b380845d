// Standalone checks of UpdatableCholesky (native/core/cpu/updatable_cholesky.hpp) against an
// independent reference: after every add and remove of a random sequence, solve() must agree
// with Gaussian elimination (partial pivoting, long double) on the members' submatrix, for a
// well-conditioned, an ill-conditioned (eigenvalues over 1e-10..1) and a singular (rank 12 of 40)
// matrix; refused adds must come exactly when the column lies in the span of the members, with
// null_direction() giving the dependence.
// Build (from the repository root):
//   g++ -std=c++17 -O2 -Inative/core test/native/updatable_cholesky_test.cpp native/core/*.cpp
//       native/core/cpu/*.cpp -o /tmp/updatable_cholesky_test -pthread
// Prints one line per check; exits non-zero if any failed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cpu/updatable_cholesky.hpp"
#include "checks.hpp"

using namespace covlasso;
using covlasso_test::check;
using covlasso_test::rel_diff;

namespace {

constexpr size_t kN = 40;

// A = Q diag(eigenvalues) Qᵀ with Q from Gram–Schmidt of a random matrix.
std::vector<double> matrix_with_spectrum(const std::vector<double>& eigenvalues, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> q(kN * kN);
  for (double& v : q) v = normal(rng);
  for (size_t i = 0; i < kN; ++i) {  // orthonormal rows
    for (size_t k = 0; k < i; ++k) {
      double dot = 0;
      for (size_t c = 0; c < kN; ++c) dot += q[i * kN + c] * q[k * kN + c];
      for (size_t c = 0; c < kN; ++c) q[i * kN + c] -= dot * q[k * kN + c];
    }
    double norm = 0;
    for (size_t c = 0; c < kN; ++c) norm += q[i * kN + c] * q[i * kN + c];
    for (size_t c = 0; c < kN; ++c) q[i * kN + c] /= std::sqrt(norm);
  }
  std::vector<double> a(kN * kN, 0.0);
  for (size_t i = 0; i < kN; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double v = 0;
      for (size_t k = 0; k < kN; ++k) v += q[k * kN + i] * eigenvalues[k] * q[k * kN + j];
      a[i * kN + j] = a[j * kN + i] = v;
    }
  }
  return a;
}

// x = A_MM⁻¹ b by Gaussian elimination with partial pivoting in long double.
std::vector<double> reference_solve(const std::vector<double>& a, const std::vector<size_t>& members,
                                    const std::vector<double>& b) {
  const size_t m = members.size();
  std::vector<long double> s(m * (m + 1));
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < m; ++j) s[i * (m + 1) + j] = a[members[i] * kN + members[j]];
    s[i * (m + 1) + m] = b[i];
  }
  for (size_t c = 0; c < m; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < m; ++r) {
      if (std::fabs(s[r * (m + 1) + c]) > std::fabs(s[pivot * (m + 1) + c])) pivot = r;
    }
    for (size_t k = 0; k <= m; ++k) std::swap(s[c * (m + 1) + k], s[pivot * (m + 1) + k]);
    for (size_t r = c + 1; r < m; ++r) {
      const long double f = s[r * (m + 1) + c] / s[c * (m + 1) + c];
      for (size_t k = c; k <= m; ++k) s[r * (m + 1) + k] -= f * s[c * (m + 1) + k];
    }
  }
  std::vector<double> x(m);
  for (size_t i = m; i-- > 0;) {
    long double v = s[i * (m + 1) + m];
    for (size_t k = i + 1; k < m; ++k) v -= s[i * (m + 1) + k] * x[k];
    x[i] = static_cast<double>(v / s[i * (m + 1) + i]);
  }
  return x;
}

// A random walk of adds (random non-members) and removes (random positions: front, middle,
// end) on `a`; after each, solve() against the reference. Returns the worst relative error and
// counts the refused adds.
double random_walk(const std::vector<double>& a, unsigned seed, int steps, size_t& refused, size_t& largest,
                   double& worst_null_residual) {
  std::mt19937_64 rng(seed);
  UpdatableCholesky factor;
  std::vector<unsigned char> member(kN, 0);
  double worst = 0;
  refused = 0;
  largest = 0;
  worst_null_residual = 0;
  for (int step = 0; step < steps; ++step) {
    const size_t m = factor.size();
    const bool add = m == 0 || (m < kN && rng() % 3 != 0);
    if (add) {
      size_t key;
      do key = rng() % kN;
      while (member[key]);
      std::vector<double> column(m);
      for (size_t i = 0; i < m; ++i) column[i] = a[factor.keys()[i] * kN + key];
      if (factor.add(key, column.data(), a[key * kN + key], 1e-12)) {
        member[key] = 1;
      } else {
        ++refused;
        // (−x, 1) on the members and the key is null for A: A_{M∪k} v ≈ 0.
        std::vector<double> x(m);
        factor.null_direction(x.data());
        std::vector<size_t> all(factor.keys());
        all.push_back(key);
        double residual = 0, scale = 0;
        for (size_t r : all) {
          double v = a[r * kN + key];
          for (size_t i = 0; i < m; ++i) v -= a[r * kN + factor.keys()[i]] * x[i];
          residual = std::max(residual, std::fabs(v));
          scale = std::max(scale, std::fabs(a[r * kN + r]));
        }
        worst_null_residual = std::max(worst_null_residual, residual / scale);
      }
    } else {
      const size_t position = rng() % m;
      member[factor.keys()[position]] = 0;
      factor.remove(position);
    }
    largest = std::max(largest, factor.size());
    if (factor.size() == 0) continue;
    std::vector<double> b(factor.size()), x(factor.size());
    for (double& v : b) v = static_cast<double>(rng() % 2001) / 1000.0 - 1.0;
    factor.solve(b.data(), x.data());
    worst = std::max(worst, rel_diff(x, reference_solve(a, factor.keys(), b)));
  }
  return worst;
}

}  // namespace

int main() {
  char line[200];
  {
    std::vector<double> eigenvalues(kN);
    for (size_t k = 0; k < kN; ++k) eigenvalues[k] = 1.0 + static_cast<double>(k) / kN;
    const std::vector<double> a = matrix_with_spectrum(eigenvalues, 1);
    size_t refused, largest;
    double null_residual;
    const double worst = random_walk(a, 2, 400, refused, largest, null_residual);
    std::snprintf(line, sizeof line, "well conditioned: solve() after 400 adds/removes within %.2g of the reference (up to %zu members)", worst, largest);
    check(worst < 1e-12 && refused == 0 && largest > 20, line);
  }
  {
    std::vector<double> eigenvalues(kN);
    for (size_t k = 0; k < kN; ++k) eigenvalues[k] = std::pow(10.0, -10.0 * static_cast<double>(k) / (kN - 1));
    const std::vector<double> a = matrix_with_spectrum(eigenvalues, 3);
    size_t refused, largest;
    double null_residual;
    const double worst = random_walk(a, 4, 400, refused, largest, null_residual);
    // Condition up to 1e10: the reference itself is good to ~1e-19·κ; Cholesky to ~1e-16·κ.
    std::snprintf(line, sizeof line, "ill conditioned (κ = 1e10): solve() within %.2g of the reference (%zu refused)", worst, refused);
    check(worst < 1e-4 && refused == 0, line);
  }
  {
    std::vector<double> eigenvalues(kN, 0.0);
    for (size_t k = 0; k < 12; ++k) eigenvalues[k] = 1.0 + static_cast<double>(k);
    const std::vector<double> a = matrix_with_spectrum(eigenvalues, 5);
    size_t refused, largest;
    double null_residual;
    const double worst = random_walk(a, 6, 600, refused, largest, null_residual);
    std::snprintf(line, sizeof line,
                  "singular (rank 12 of 40): never more than 12 members (%zu), %zu adds refused with null directions "
                  "of residual %.2g, solve() within %.2g",
                  largest, refused, null_residual, worst);
    check(largest == 12 && refused > 50 && null_residual < 1e-9 && worst < 1e-8, line);
  }
  {
    // Removing every member from the front, the back and the middle leaves an empty factor that
    // takes new members again.
    std::vector<double> eigenvalues(kN);
    for (size_t k = 0; k < kN; ++k) eigenvalues[k] = 2.0 - static_cast<double>(k) / kN;
    const std::vector<double> a = matrix_with_spectrum(eigenvalues, 7);
    UpdatableCholesky factor;
    for (size_t key = 0; key < 10; ++key) {
      std::vector<double> column(factor.size());
      for (size_t i = 0; i < factor.size(); ++i) column[i] = a[factor.keys()[i] * kN + key];
      factor.add(key, column.data(), a[key * kN + key], 1e-12);
    }
    factor.remove(0), factor.remove(factor.size() - 1), factor.remove(3);
    const std::vector<size_t> left = factor.keys();
    const bool order = left == std::vector<size_t>({1, 2, 3, 5, 6, 7, 8});
    while (factor.size() > 0) factor.remove(factor.size() / 2);
    const double column = 0;
    const bool again = factor.add(9, &column, a[9 * kN + 9], 1e-12) && factor.size() == 1;
    check(order && again, "remove keeps the order of the other members; an emptied factor takes new ones");
  }
  return covlasso_test::finish();
}
