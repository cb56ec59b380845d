// The penalty of the general CovLasso and everything that depends on it: the coordinate
// update, λ_max, the penalty value and the duality-gap certificate. Backend-neutral (plain
// inline arithmetic): every backend's solver uses these, so they agree on what a solution is.
//
//   P(β) = ½ (d − 2βᵀs + βᵀGβ) + λ₁ Σ_j w_j |β_j| + ½ λ₂ ‖β‖²      (β_j ≥ 0 when positive)
//
// λ₁ = λ·l1_ratio, λ₂ = λ·(1 − l1_ratio) (scikit-learn's ElasticNet(alpha=λ, l1_ratio)),
// w_j ≥ 0 per-coordinate penalty factors (glmnet's penalty.factor; 0 = never penalised).
//
// Certificate (scikit-learn's enet Gram-form gap, divided by N, with weights): with
// g = s − Gβ − λ₂β, ν = max over penalised allowed j of |g_j| / w_j (g_j / w_j if positive),
// c = λ₁/ν if ν > λ₁ else 1:
//   gap = ½ r² (1 + c²) + λ₁ Σ w_j|β_j| − c (d − βᵀs) + ½ λ₂ (1 + c²) ‖β‖².
// Unpenalised coordinates have the dual constraint g_j = 0, which scaling cannot enforce; they
// are certified separately: g_j² / (G_jj + λ₂) (twice the gain of one exact coordinate move;
// with β ≥ 0 and β_j = 0 only g_j > 0 counts).
//
// The gap bounds P(β) − min P from above only when the problem is convex, i.e. when the joint
// moment matrix M = [[G, s], [sᵀ, d]] is positive semidefinite: then gap ≥ 0 and r² ≥ 0 up to
// rounding. An r² below −tol·d, and below what rounding can reach (1e-9 of the size of the
// terms summed: the float64 error of these sums is ~p·1e-16 of it), or a non-finite
// certificate, is a witness that M is not PSD, and the objective is then unbounded below:
// judge() calls that NotConvex, never Converged. So is such a negative gap when every allowed
// coordinate is penalised; with unpenalised ones the dual point cR is feasible only once their
// g_j = 0, so the gap may undershoot by up to ~sqrt(2·n_U·kkt·size) (the dual's move when they
// reach their optimum): judge() never certifies a gap below that, but proves nothing by it.
//
// Everything here is COVLASSO_HD: the CUDA backend computes the same float64 certificate on the
// device, accumulating CertificateSums per lane and combining them (merge) before finish().
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "hd.hpp"

namespace covlasso {

struct Penalty {
  double l1 = 0;                     // λ₁
  double l2 = 0;                     // λ₂
  bool positive = false;
  const double* weights = nullptr;   // per coordinate (indexed like β); null: all 1

  // The penalty at λ: λ₁ = λ·l1_ratio, λ₂ = λ·(1 − l1_ratio).
  static Penalty at(double lambda, double l1_ratio, bool positive, const double* weights) {
    Penalty pen;
    pen.l1 = lambda * l1_ratio;
    pen.l2 = lambda * (1 - l1_ratio);
    pen.positive = positive;
    pen.weights = weights;
    return pen;
  }

  COVLASSO_HD double weight(size_t j) const { return weights != nullptr ? weights[j] : 1.0; }

  // The smallest factor t for which β = 0 is optimal under this penalty scaled by t, given the
  // cross moments s over n coordinates (`exclude` and the unpenalised ones left out):
  // max_j |s_j| / w_j (s_j⁺ / w_j when positive), divided by λ₁. For the penalty at λ = 1 that
  // is λ_max (LambdaSequence's relative λ). At β = 0 the gradient is s whatever λ₂, so λ₂
  // plays no part; with unpenalised coordinates β = 0 need not be optimal at any λ.
  double lambda_max(const double* s, size_t n, int64_t exclude) const {
    double largest = 0;
    for (size_t j = 0; j < n; ++j) {
      const double w = weight(j);
      if (static_cast<int64_t>(j) == exclude || w <= 0) continue;
      largest = std::max(largest, (positive ? std::max(s[j], 0.0) : std::fabs(s[j])) / w);
    }
    return largest / l1;
  }

  // The exact minimiser along coordinate j, given z = s_j − q_j + G_jj β_j.
  COVLASSO_HD double coordinate_minimum(double z, double g_jj, size_t j) const {
    const double t = l1 * weight(j);
    double v = 0;
    if (z > t) v = z - t;
    else if (z < -t && !positive) v = z + t;
    return v / (g_jj + l2);
  }

  // How much coordinate j (currently 0) violates its optimality condition: > 0 means it
  // should enter. g is s_j − q_j at β_j = 0.
  COVLASSO_HD double violation(double g, size_t j) const {
    const double magnitude = positive ? g : std::fabs(g);
    return magnitude - l1 * weight(j);
  }
};

struct Certificate {
  double objective;          // P(β)
  double gap;                // duality gap over the penalised coordinates
  double unpenalised_kkt;    // max over unpenalised allowed j of g_j² / (G_jj + λ₂) (g_j⁺ at β_j = 0 ≥ 0)
  double residual_variance;  // r² = d − 2βᵀs + βᵀGβ, clamped at 0
  double signed_residual;    // r² before clamping: < 0 only when M is not PSD (or by rounding)
  double magnitude;          // d + 2|βᵀs| + |βᵀGβ| + the penalty terms: the scale of the rounding
  double unpenalised;        // how many allowed coordinates are unpenalised (w_j = 0)
};

// What a certificate says of β against the target gap tol·d.
enum class Verdict { Open, Converged, NotConvex };

COVLASSO_HD inline Verdict judge(const Certificate& cert, double target_gap) {
  // Written so that NaN lands in NotConvex: a finite PSD problem keeps every sum finite.
  const double floor = -(target_gap > 1e-9 * cert.magnitude ? target_gap : 1e-9 * cert.magnitude);
  const double slack = std::sqrt(2 * cert.unpenalised * cert.unpenalised_kkt * cert.magnitude);
  if (!(cert.signed_residual >= floor && cert.unpenalised_kkt >= 0 && cert.gap == cert.gap)) return Verdict::NotConvex;
  if (!(cert.objective <= 1.7976931348623157e308)) return Verdict::NotConvex;  // NaN or +Inf (it is ≥ 0)
  if (cert.gap < floor - slack) return cert.unpenalised == 0 ? Verdict::NotConvex : Verdict::Open;
  return cert.gap <= target_gap && cert.unpenalised_kkt <= target_gap ? Verdict::Converged : Verdict::Open;
}

// The sums a certificate needs, accumulated coordinate by coordinate (add) and combinable
// (merge: sums add, maxima take the max), so that a parallel reduction gives the same formula.
struct CertificateSums {
  double beta_s = 0, beta_q = 0, l1 = 0, l2 = 0, nu = 0, kkt = 0, unpenalised = 0;

  // Coordinate j with β_j = b, q_j, s_j and G_jj; `excluded` coordinates add to the sums only.
  COVLASSO_HD void add(size_t j, double b, double q, double s, double diag, const Penalty& pen, bool excluded) {
    beta_s += b * s;
    beta_q += b * q;
    l1 += pen.weight(j) * std::fabs(b);
    l2 += b * b;
    if (excluded) return;
    const double g = s - q - pen.l2 * b;
    const double w = pen.weight(j);
    if (w > 0) {
      nu = std::max(nu, (pen.positive ? std::max(g, 0.0) : std::fabs(g)) / w);
    } else if (diag + pen.l2 > 0) {
      unpenalised += 1;
      // With β ≥ 0, a coordinate at its bound (β_j = 0) is optimal when g_j ≤ 0.
      const double excess = pen.positive && b == 0 ? std::max(g, 0.0) : g;
      kkt = std::max(kkt, excess * excess / (diag + pen.l2));
    }
  }
  COVLASSO_HD void merge(const CertificateSums& o) {
    beta_s += o.beta_s, beta_q += o.beta_q, l1 += o.l1, l2 += o.l2;
    nu = std::max(nu, o.nu), kkt = std::max(kkt, o.kkt);
    unpenalised += o.unpenalised;
  }
};

// The certificate of the accumulated sums for a target of variance d.
COVLASSO_HD inline Certificate finish_certificate(const CertificateSums& sums, double d, const Penalty& pen) {
  const double r2 = d - 2 * sums.beta_s + sums.beta_q;
  const double c = sums.nu > pen.l1 ? pen.l1 / sums.nu : 1.0;
  Certificate cert;
  cert.gap = 0.5 * r2 * (1 + c * c) + pen.l1 * sums.l1 - c * (d - sums.beta_s) + 0.5 * pen.l2 * (1 + c * c) * sums.l2;
  cert.residual_variance = std::max(r2, 0.0);
  cert.signed_residual = r2;
  cert.unpenalised = sums.unpenalised;
  cert.magnitude = d + 2 * std::fabs(sums.beta_s) + std::fabs(sums.beta_q) + pen.l1 * sums.l1 + pen.l2 * sums.l2;
  cert.objective = 0.5 * cert.residual_variance + pen.l1 * sums.l1 + 0.5 * pen.l2 * sums.l2;
  cert.unpenalised_kkt = sums.kkt;
  return cert;
}

// The certificate from β, q = Gβ, s, the diagonal of G and d, over n coordinates (all allowed
// except `exclude`, which must have β = 0).
COVLASSO_HD inline Certificate certify(size_t n, const double* beta, const double* q, const double* s,
                                       const double* diag, double d, const Penalty& pen, int64_t exclude) {
  CertificateSums sums;
  for (size_t j = 0; j < n; ++j) {
    sums.add(j, beta[j], q[j], s[j], diag[j], pen, static_cast<int64_t>(j) == exclude);
  }
  return finish_certificate(sums, d, pen);
}

}  // namespace covlasso
