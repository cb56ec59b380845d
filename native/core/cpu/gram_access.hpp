// How the CPU solver reads the Gram G and the cross moments of a LassoProblem
// (lasso_problem.hpp): from the dense matrices, or from a factored covariance S = Ã K Ãᵀ
// (factored.hpp), whose entries are computed through the r-dimensional side and never stored.
// The solver's units (TargetSolver, WorkingSet) only ask for what they need: a column of the
// cross moments, q = Gβ, and blocks of entries. One instance per solver thread (the factored one
// keeps scratch vectors); every method sums in a fixed order, so results do not depend on the
// number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "lasso_problem.hpp"

namespace covlasso {

class GramAccess {
 public:
  // The access the problem calls for: factored when problem.factored is set, else dense.
  static std::unique_ptr<GramAccess> create(const LassoProblem& problem);
  virtual ~GramAccess() = default;

  // s = column t of the cross moments (p values).
  virtual void cross_column(int64_t t, double* s) = 0;
  // q = G β (p values) for a full-length β, summed over its non-zeros in index order.
  virtual void times(const double* beta, double* q) = 0;
  // out[i·n + j] = G[rows[i], cols[j]] (m×n, row-major).
  virtual void block(const int32_t* rows, size_t m, const int32_t* cols, size_t n, double* out) = 0;
  // G_ij.
  virtual double entry(int64_t i, int64_t j) = 0;
};

}  // namespace covlasso
