// Anderson extrapolation of a fixed-point iteration (as used for coordinate descent by skglm).
//
// Given the last depth+1 iterates x_0 … x_depth (each of length n, stored one after another),
// finds weights c (Σc = 1) minimising ‖Σ c_i (x_{i+1} − x_i)‖ and returns Σ c_i x_{i+1}.
// Coordinate descent on logit covariances converges linearly with a rate close to 1 (near-
// duplicate categories make S badly conditioned); extrapolating the iterates cuts the sweeps
// needed by one to two orders of magnitude. Callers keep the point only if it lowers the objective.
//
// AndersonHistory is the ring buffer the solver feeds one iterate per sweep (lasso_target.hpp):
// every kAndersonDepth + 1 sweeps it holds a full history and offers an extrapolated candidate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace covlasso {

constexpr size_t kAndersonDepth = 5;

// Writes the extrapolated point to `out` (length n). Returns false when the differences are
// numerically dependent (nothing to gain), leaving `out` unspecified.
bool anderson_extrapolate(const double* history, size_t n, double* out);

class AndersonHistory {
 public:
  // Starts an empty history of iterates of length n.
  void reset(size_t n);
  // Records the next iterate (n values). Returns true when this completes a full history of
  // kAndersonDepth + 1 iterates (every kAndersonDepth + 1 records): time to extrapolate.
  bool record(const double* x);
  // The extrapolated point of the history, in out (resized to n); false when there is nothing
  // to gain (anderson_extrapolate).
  bool extrapolate(std::vector<double>& out) const;

 private:
  size_t n_ = 0;
  int64_t recorded_ = 0;
  std::vector<double> iterates_;  // kAndersonDepth + 1 slots of n values
};

}  // namespace covlasso
