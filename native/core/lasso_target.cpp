#include "lasso_target.hpp"

#include <algorithm>
#include <cmath>

namespace covlasso {

namespace {

inline double soft_threshold(double z, double lambda) {
  if (z > lambda) return z - lambda;
  if (z < -lambda) return z + lambda;
  return 0.0;
}

// Violators added per round besides the current non-zeros: enough to grow quickly, few enough
// that the packed working set stays small (its cost per sweep is |W|² per changed coordinate).
constexpr size_t kMinWorkingGrowth = 10;

// Solves the small symmetric positive definite system A z = 1 (n ≤ kAndersonDepth) by Cholesky
// with a relative ridge; returns false when A is numerically singular.
bool solve_small_spd(const double* a_in, size_t n, double* z) {
  double a[8][8];
  double scale = 0;
  for (size_t i = 0; i < n; ++i) scale = std::max(scale, a_in[i * n + i]);
  if (!(scale > 0)) return false;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) a[i][j] = a_in[i * n + j];
    a[i][i] += 1e-10 * scale;
  }
  for (size_t j = 0; j < n; ++j) {
    double diag = a[j][j];
    for (size_t k = 0; k < j; ++k) diag -= a[j][k] * a[j][k];
    if (!(diag > 0)) return false;
    a[j][j] = std::sqrt(diag);
    for (size_t i = j + 1; i < n; ++i) {
      double v = a[i][j];
      for (size_t k = 0; k < j; ++k) v -= a[i][k] * a[j][k];
      a[i][j] = v / a[j][j];
    }
  }
  for (size_t i = 0; i < n; ++i) {  // L y = 1
    double v = 1;
    for (size_t k = 0; k < i; ++k) v -= a[i][k] * z[k];
    z[i] = v / a[i][i];
  }
  for (size_t i = n; i-- > 0;) {  // Lᵀ z = y
    double v = z[i];
    for (size_t k = i + 1; k < n; ++k) v -= a[k][i] * z[k];
    z[i] = v / a[i][i];
  }
  return true;
}

}  // namespace

Certificate compute_certificate(const std::vector<double>& beta, const std::vector<double>& q,
                                const std::vector<double>& s, double d, double lambda,
                                int64_t exclude) {
  const size_t p = beta.size();
  double beta_s = 0, beta_q = 0, l1 = 0, nu = 0;
  for (size_t j = 0; j < p; ++j) {
    beta_s += beta[j] * s[j];
    beta_q += beta[j] * q[j];
    l1 += std::fabs(beta[j]);
    if (static_cast<int64_t>(j) != exclude) nu = std::max(nu, std::fabs(s[j] - q[j]));
  }
  const double r2 = d - 2 * beta_s + beta_q;
  const double c = nu > lambda ? lambda / nu : 1.0;
  Certificate cert;
  cert.gap = 0.5 * r2 * (1 + c * c) + lambda * l1 - c * (d - beta_s);
  cert.residual_variance = std::max(r2, 0.0);
  cert.objective = 0.5 * cert.residual_variance + lambda * l1;
  cert.max_violation = nu;
  return cert;
}

TargetSolver::TargetSolver(const LassoProblem& problem)
    : problem_(problem), p_(problem.gram.rows), s_(p_), beta_(p_), q_(p_), in_working_(p_) {}

double TargetSolver::load_target(int64_t t) {
  const DoubleMatrixView& cross = problem_.cross;
  for (int64_t j = 0; j < p_; ++j) s_[j] = cross.at(j, t);
  d_ = problem_.variance[t];
  exclude_ = problem_.exclude_self ? t : -1;
  std::fill(beta_.begin(), beta_.end(), 0.0);
  std::fill(q_.begin(), q_.end(), 0.0);
  previous_lambda_ = -1;
  double lambda_max = 0;
  for (int64_t j = 0; j < p_; ++j) {
    if (j != exclude_) lambda_max = std::max(lambda_max, std::fabs(s_[j]));
  }
  return lambda_max;
}

// q = Gβ from scratch, summing over the non-zeros in index order (deterministic, no drift).
void TargetSolver::recompute_q() {
  std::fill(q_.begin(), q_.end(), 0.0);
  for (int64_t j = 0; j < p_; ++j) {
    const double b = beta_[j];
    if (b == 0) continue;
    const double* row = problem_.gram.row(j);  // G symmetric: row j is column j
    for (int64_t k = 0; k < p_; ++k) q_[k] += b * row[k];
  }
}

// W = non-zeros ∪ the strongest KKT violators (|g_j| > λ) ∪, along a path, the strong set
// (|g_j| > strong_threshold, from the previous λ's solution). Packs G_WW, s_W, q_W, β_W.
void TargetSolver::choose_working_set(double lambda, double strong_threshold) {
  std::fill(in_working_.begin(), in_working_.end(), 0);
  working_.clear();
  std::vector<std::pair<double, int32_t>> violators;
  for (int64_t j = 0; j < p_; ++j) {
    if (beta_[j] != 0) {
      working_.push_back(static_cast<int32_t>(j));
      in_working_[j] = 1;
      continue;
    }
    if (j == exclude_ || problem_.gram.at(j, j) <= 0) continue;
    const double g = std::fabs(s_[j] - q_[j]);
    if (g > strong_threshold) {
      working_.push_back(static_cast<int32_t>(j));
      in_working_[j] = 1;
    } else if (g > lambda) {
      violators.emplace_back(-g, static_cast<int32_t>(j));
    }
  }
  const size_t take = std::min(violators.size(), std::max(kMinWorkingGrowth, working_.size()));
  std::partial_sort(violators.begin(), violators.begin() + take, violators.end());
  for (size_t k = 0; k < take; ++k) working_.push_back(violators[k].second);
  std::sort(working_.begin(), working_.end());

  const size_t w = working_.size();
  gram_w_.resize(w * w);
  s_w_.resize(w), q_w_.resize(w), beta_w_.resize(w), diag_w_.resize(w);
  for (size_t a = 0; a < w; ++a) {
    const double* row = problem_.gram.row(working_[a]);
    for (size_t b = 0; b < w; ++b) gram_w_[a * w + b] = row[working_[b]];
    s_w_[a] = s_[working_[a]];
    q_w_[a] = q_[working_[a]];
    beta_w_[a] = beta_[working_[a]];
    diag_w_[a] = gram_w_[a * w + a];
  }
}

// Duality gap of the problem restricted to W, from the packed data (O(|W|)). It equals the
// full gap whenever no coordinate outside W violates its KKT condition.
double TargetSolver::working_set_gap(double lambda) const {
  double beta_s = 0, beta_q = 0, l1 = 0, nu = 0;
  for (size_t a = 0; a < working_.size(); ++a) {
    beta_s += beta_w_[a] * s_w_[a];
    beta_q += beta_w_[a] * q_w_[a];
    l1 += std::fabs(beta_w_[a]);
    nu = std::max(nu, std::fabs(s_w_[a] - q_w_[a]));
  }
  const double r2 = d_ - 2 * beta_s + beta_q;
  const double c = nu > lambda ? lambda / nu : 1.0;
  return 0.5 * r2 * (1 + c * c) + lambda * l1 - c * (d_ - beta_s);
}

// Objective on W for the packed β_W and q_W = G_WW β_W.
double TargetSolver::working_set_objective(const double* beta, const double* q, double lambda) const {
  double beta_s = 0, beta_q = 0, l1 = 0;
  for (size_t a = 0; a < working_.size(); ++a) {
    beta_s += beta[a] * s_w_[a];
    beta_q += beta[a] * q[a];
    l1 += std::fabs(beta[a]);
  }
  return 0.5 * (d_ - 2 * beta_s + beta_q) + lambda * l1;
}

// Anderson extrapolation of the last kAndersonDepth sweeps (as in skglm): CD on logit covariances
// is badly conditioned (near-duplicate categories) and converges linearly with a rate close
// to 1; extrapolating the iterates cuts the sweeps needed by one to two orders of magnitude
// along paths. The extrapolated point is kept only if it lowers the objective.
void TargetSolver::try_anderson_step(double lambda) {
  const size_t w = working_.size();
  const size_t k = kAndersonDepth;
  // U = differences of consecutive iterates (k columns), gram UᵀU (k×k), solve (UᵀU) z = 1.
  double utu[kAndersonDepth][kAndersonDepth];
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double dot = 0;
      const double* a0 = &history_[i * w];
      const double* a1 = &history_[(i + 1) * w];
      const double* b0 = &history_[j * w];
      const double* b1 = &history_[(j + 1) * w];
      for (size_t a = 0; a < w; ++a) dot += (a1[a] - a0[a]) * (b1[a] - b0[a]);
      utu[i][j] = utu[j][i] = dot;
    }
  }
  double z[kAndersonDepth];
  if (!solve_small_spd(&utu[0][0], k, z)) return;
  double total = 0;
  for (size_t i = 0; i < k; ++i) total += z[i];
  if (!(std::fabs(total) > 0) || !std::isfinite(total)) return;
  candidate_.assign(w, 0.0);
  for (size_t i = 0; i < k; ++i) {
    const double weight = z[i] / total;
    const double* iterate = &history_[(i + 1) * w];
    for (size_t a = 0; a < w; ++a) candidate_[a] += weight * iterate[a];
  }
  candidate_q_.assign(w, 0.0);
  for (size_t a = 0; a < w; ++a) {
    if (candidate_[a] == 0) continue;
    const double* row = &gram_w_[a * w];
    for (size_t b = 0; b < w; ++b) candidate_q_[b] += candidate_[a] * row[b];
  }
  if (working_set_objective(candidate_.data(), candidate_q_.data(), lambda) <
      working_set_objective(beta_w_.data(), q_w_.data(), lambda)) {
    beta_w_.swap(candidate_);
    q_w_.swap(candidate_q_);
  }
}

// Cyclic sweeps over the packed working set until its own duality gap is <= inner_gap.
// Returns the sweeps done.
int64_t TargetSolver::sweep_working_set(double lambda, double inner_gap, int64_t max_sweeps,
                                        const CancelFlag* cancel) {
  const size_t w = working_.size();
  history_.resize((kAndersonDepth + 1) * w);
  int64_t sweeps = 0;
  while (sweeps < max_sweeps) {
    if (++sweeps % 64 == 0) throw_if_cancelled(cancel);
    for (size_t a = 0; a < w; ++a) {
      const double g_aa = diag_w_[a];
      const double old = beta_w_[a];
      const double next = soft_threshold(s_w_[a] - q_w_[a] + g_aa * old, lambda) / g_aa;
      if (next == old) continue;
      const double delta = next - old;
      beta_w_[a] = next;
      const double* row = &gram_w_[a * w];
      for (size_t b = 0; b < w; ++b) q_w_[b] += delta * row[b];
    }
    if (working_set_gap(lambda) <= inner_gap) break;
    const size_t slot = static_cast<size_t>((sweeps - 1) % (kAndersonDepth + 1));
    std::copy(beta_w_.begin(), beta_w_.end(), history_.begin() + slot * w);
    if (slot == kAndersonDepth) try_anderson_step(lambda);
  }
  for (size_t a = 0; a < w; ++a) beta_[working_[a]] = beta_w_[a];
  return sweeps;
}

TargetSolver::Outcome TargetSolver::solve(double lambda, const SolveOptions& options) {
  Outcome outcome{};
  const double target_gap = options.tol * d_;
  double inner_gap = 0.5 * target_gap;
  double strong_threshold = previous_lambda_ > lambda ? 2 * lambda - previous_lambda_ : HUGE_VAL;
  size_t previous_size = static_cast<size_t>(-1);
  recompute_q();
  for (;;) {
    outcome.certificate = compute_certificate(beta_, q_, s_, d_, lambda, exclude_);
    if (outcome.certificate.gap <= target_gap) {
      outcome.converged = true;
      break;
    }
    if (outcome.iterations >= options.max_iter) break;
    throw_if_cancelled(options.cancel);
    choose_working_set(lambda, strong_threshold);
    strong_threshold = HUGE_VAL;  // the strong rule only seeds the first round
    // The same working set again means the gap is left by rounding drift in q_W: go further.
    if (working_.size() == previous_size) inner_gap *= 0.1;
    previous_size = working_.size();
    if (working_.empty()) break;  // nothing can move (e.g. non-PSD input): honest non-convergence
    outcome.iterations += sweep_working_set(lambda, inner_gap, options.max_iter - outcome.iterations,
                                            options.cancel);
    recompute_q();
  }
  previous_lambda_ = lambda;
  return outcome;
}

void TargetSolver::export_coef(SparseCoef& out) const {
  out.indices.clear();
  out.values.clear();
  for (int64_t j = 0; j < p_; ++j) {
    if (beta_[j] != 0) {
      out.indices.push_back(static_cast<int32_t>(j));
      out.values.push_back(beta_[j]);
    }
  }
}

}  // namespace covlasso
