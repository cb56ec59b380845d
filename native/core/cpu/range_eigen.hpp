// The leading eigenpairs of a large symmetric positive semi-definite matrix of low numerical
// rank, without an O(C³) decomposition: randomized subspace iteration (Halko, Martinsson & Tropp
// 2011, Alg. 4.4) with Householder QR between products and a Rayleigh–Ritz step on the subspace.
//
// Why it fits logit covariances: S = W Σ Wᵀ for a head of width d, so rank S ≤ d + 1 ≪ C (e.g.
// C = 20000 categories, d = 512). A subspace of k > rank columns captures the whole range; its
// Ritz values then hold the non-zero spectrum exactly (to rounding) and the rest sit at the
// rounding floor, which is how the solver knows it is done. If the smallest Ritz value is still
// above the rank tolerance, k doubles and the iteration restarts.
//
// Cost per pass: (2 + power) products S·Q (2C²k flops each, on the covariance kernel's float64
// strips: memory traffic C² doubles per product, compute-bound for k ≳ 64) plus two thin QRs
// (4Ck² flops) and a k×k eigenproblem (≈ 9k³). C = 20000, k = 576: ≈ 1.4 TFLOP of products.
#pragma once

#include <cstdint>
#include <vector>

#include "execution.hpp"
#include "matrix.hpp"

namespace covlasso {
namespace cpu {

struct RangeEigenOptions {
  int64_t initial_rank = 512;   // the first subspace has min(C, initial_rank + oversample) columns
  int64_t oversample = 64;
  int64_t max_rank = 0;         // ≤ 0: up to C (then the subspace is all of R^C)
  int power_iterations = 1;     // extra S·Q products per pass (sharpen a slowly decaying spectrum)
  double rank_tolerance = 0;    // ≤ 0: C·2⁻⁵² (numpy's matrix_rank rule), relative to λ_max
  uint64_t seed = 1;
};

struct RangeEigen {
  int64_t n = 0;               // C
  int64_t k = 0;               // columns of the final subspace (eigenpairs returned)
  int64_t rank = 0;            // Ritz values above rank_tolerance · λ_max
  bool complete = false;       // the subspace holds the whole numerical range (k > rank or k = C)
  std::vector<double> values;  // k Ritz values, ascending
  std::vector<double> vectors; // C×k row-major: column j is the unit Ritz vector of values[j]
};

// s: the C×C symmetric PSD matrix (row-major float64). Progress: fraction of the products of
// the current pass; cancel checked between products and inside them.
RangeEigen range_eigen(const DoubleMatrixView& s, const RangeEigenOptions& options, const ExecutionContext& ctx);

// Householder QR of the C×k row-major y (C ≥ k), overwritten by the explicit thin Q (C×k,
// orthonormal columns, also when y is rank deficient).
void thin_q(double* y, int64_t rows, int64_t cols, int threads);

}  // namespace cpu
}  // namespace covlasso
