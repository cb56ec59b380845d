// A Cholesky factor that follows a changing set of members (part of the CPU solver's support
// steps, support_step.hpp): A_MM = UᵀU for the members M of a symmetric positive semidefinite
// matrix A, with M growing or shrinking one member at a time.
//
// An active-set step on a lasso support changes the support by one coordinate at a time (one
// reaches zero, one enters); refactoring from scratch costs m³/3 flops each time, an update
// O(m²): appending a member is one triangular solve, removing one a sweep of Givens rotations
// over the rows below it (the "qrdelete" of LINPACK/MATLAB). On head logits at C = 5000 the
// supports reach ~300 coordinates, where that is the difference between a step costing about
// one CD sweep and one costing a hundred.
#pragma once

#include <cstddef>
#include <vector>

namespace covlasso {

class UpdatableCholesky {
 public:
  // Forgets every member (capacity is kept).
  void clear();
  size_t size() const { return keys_.size(); }
  // The caller's key of each member, in factor order (solve() indexes b and x the same way).
  const std::vector<size_t>& keys() const { return keys_; }

  // Appends `key` with its column against the members (column[i] = A_{keys[i], key}) and its
  // diagonal A_key,key. Refused (returns false, nothing changes) when the new pivot is at most
  // relative_tolerance · the largest diagonal seen: the column then lies, numerically, in the
  // span of the members' columns, and null_direction() describes the dependence.
  bool add(size_t key, const double* column, double diagonal, double relative_tolerance);
  // Removes the member at `position` (0 ≤ position < size()).
  void remove(size_t position);

  // x = A_MM⁻¹ b, b and x of size() values in factor order (x may alias b).
  void solve(const double* b, double* x) const;
  // After a refused add(): x = A_MM⁻¹ column of that add (size() values), so that the direction
  // (−x on the members, 1 on the refused key) is null for A restricted to M and the key.
  void null_direction(double* x) const;

 private:
  double& u(size_t i, size_t j) { return u_[i * capacity_ + j]; }
  double u(size_t i, size_t j) const { return u_[i * capacity_ + j]; }
  void forward(const double* b, double* y) const;  // Uᵀ y = b
  void backward(double* x) const;                  // U x = y, in place
  void reserve(size_t m);

  size_t capacity_ = 0;
  double scale_ = 0;         // the largest diagonal of A seen since clear()
  std::vector<double> u_;    // capacity_ × capacity_, row-major, upper triangle of U
  std::vector<size_t> keys_;
  std::vector<double> refused_;  // Uᵀ u = column of the last refused add()
};

}  // namespace covlasso
