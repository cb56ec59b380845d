// Anderson extrapolation of a fixed-point iteration (as used for coordinate descent by skglm).
//
// Given the last depth+1 iterates x_0 … x_depth (each of length n, stored one after another),
// finds weights c (Σc = 1) minimising ‖Σ c_i (x_{i+1} − x_i)‖ and returns Σ c_i x_{i+1}.
// Coordinate descent on logit covariances converges linearly with a rate close to 1 (near-
// duplicate categories make S badly conditioned); extrapolating the iterates cuts the sweeps
// needed by one to two orders of magnitude. Callers keep the point only if it lowers the objective.
#pragma once

#include <cstddef>

namespace covlasso {

constexpr size_t kAndersonDepth = 5;

// Writes the extrapolated point to `out` (length n). Returns false when the differences are
// numerically dependent (nothing to gain), leaving `out` unspecified.
bool anderson_extrapolate(const double* history, size_t n, double* out);

}  // namespace covlasso
