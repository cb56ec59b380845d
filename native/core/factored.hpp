// The factored covariance of a linear head (vocabulary scale, DESIGN.md §2): logits f = W h + b
// with W ∈ R^{C×d}, and S = Ã K Ãᵀ where Ã = [W | b] (C×r, r = d + 1 with a bias, else d) and
// K (r×r, float64, symmetric) the features' moments: [[E[hhᵀ], μ], [μᵀ, 1]] for the second
// moment, the centered feature covariance (no bias column) for the centered one. S (C×C) is never
// formed: every product goes through the d-dimensional side, as cache-tiled dense products
// (Ã times an r×k block, Ãᵀ times a C×k block) on covlasso's thread pool. Each output element is
// computed by one task in a fixed order, so results are bitwise identical for any thread count.
#pragma once

#include <cstdint>

#include "execution.hpp"
#include "matrix.hpp"

namespace covlasso {

struct FactoredHead {
  MatrixView w;                  // C×d, float32 or float64, row-major
  const double* bias = nullptr;  // C values, or null (then r = d)
  const double* kernel = nullptr;  // r×r row-major float64
  int64_t categories() const { return w.rows; }
  int64_t rank() const { return w.cols + (bias != nullptr ? 1 : 0); }
};

// The cross moments between two heads over the same inputs (cross-model CovLasso, issue #11):
// S_ST = Ã_S K_ST Ã_Tᵀ with Ã_S the source head (a FactoredHead's) and Ã_T = [W_T | b_T] the
// target model's head, K_ST (r_S×r_T) the features' cross moments. Column t = Ã_S (K_ST ã_T,t).
struct FactoredCross {
  MatrixView w;                    // the target head, C_T×d_T, float32 or float64
  const double* bias = nullptr;    // C_T values, or null
  const double* kernel = nullptr;  // r_S×r_T row-major float64
  int64_t categories() const { return w.rows; }
  int64_t rank() const { return w.cols + (bias != nullptr ? 1 : 0); }
};

// Shapes and finiteness of the head (ShapeMismatch / NotFinite).
void validate_factored(const FactoredHead& head);

// out (C×k row-major) = S · B for a dense B (C×k row-major).
void factored_times_dense(const FactoredHead& head, const double* b, int64_t k, double* out, const ExecutionContext& ctx);

// out (C×k row-major) = S · B for B given as k compressed sparse columns over the C categories
// (indptr k+1 values, row indices in 0..C−1, values). S_{:,T} is the case of unit columns.
void factored_times_sparse(const FactoredHead& head, const int32_t* indptr, const int32_t* indices, const double* values,
                           int64_t k, double* out, const ExecutionContext& ctx);

// out (C values) = diag(S): S_ii = ã_iᵀ K ã_i, O(r²) each.
void factored_diagonal(const FactoredHead& head, double* out, const ExecutionContext& ctx);

}  // namespace covlasso
