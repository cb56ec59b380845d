// Standalone checks of the solver's units, each on its own: Penalty::lambda_max
// (native/core/lasso_penalty.hpp), the Gram diagonal solve_lasso takes (lasso_problem.hpp), and
// the CPU solver's WorkingSet, AndersonHistory and SupportStep (native/core/cpu/).
// Build (from the repository root):
//   g++ -std=c++17 -O2 -Inative/core test/native/solver_units_test.cpp native/core/*.cpp
//       native/core/cpu/*.cpp -o /tmp/solver_units_test -pthread
// Prints one line per check; exits non-zero if any failed.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cpu/anderson.hpp"
#include "cpu/support_step.hpp"
#include "cpu/vector_ops.hpp"
#include "cpu/working_set.hpp"
#include "lasso_penalty.hpp"
#include "lasso_problem.hpp"
#include "checks.hpp"

using namespace covlasso;
using covlasso_test::check;

namespace {

// A small positive definite Gram: G = AᵀA/n + 0.1·I for a fixed A (4×4, symmetric by construction).
std::vector<double> small_gram() {
  const double a[5][4] = {{1, 0.5, -0.2, 0.3}, {0.2, 1, 0.4, -0.1}, {-0.3, 0.1, 1, 0.6}, {0.5, -0.4, 0.2, 1}, {0.1, 0.3, 0.3, 0.2}};
  std::vector<double> g(16, 0.0);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      for (int r = 0; r < 5; ++r) g[i * 4 + j] += a[r][i] * a[r][j] / 5;
    }
    g[i * 4 + i] += 0.1;
  }
  return g;
}

}  // namespace

int main() {
  // 0. axpy4 (the four-row refresh of q = Gβ) is bitwise four axpy calls in order, tails included.
  {
    bool same = true;
    for (size_t n : {1u, 7u, 8u, 13u, 1003u}) {
      std::vector<double> rows(4 * n), y(n), a = {0.3, -1.7, 2.5e-3, 9.1};
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = std::sin(0.37 * static_cast<double>(i) + 1.1) * (1 + i % 5);
      for (size_t i = 0; i < n; ++i) y[i] = std::cos(0.11 * static_cast<double>(i));
      std::vector<double> one = y, four = y;
      for (int k = 0; k < 4; ++k) axpy(n, a[k], &rows[k * n], one.data());
      const double* x[4] = {&rows[0], &rows[n], &rows[2 * n], &rows[3 * n]};
      axpy4(n, a.data(), x, four.data());
      same = same && std::memcmp(one.data(), four.data(), n * sizeof(double)) == 0;
    }
    check(same, "axpy4: bitwise the same as four axpy calls (n = 1, 7, 8, 13, 1003)");
  }

  // 1. λ_max belongs to the penalty: max |s_j| / w_j over allowed penalised j, over λ₁ at λ = 1.
  {
    const double s[4] = {0.5, -2.0, 1.0, 3.0};
    check(Penalty::at(1, 1, false, nullptr).lambda_max(s, 4, -1) == 3.0, "lambda_max: max |s_j|");
    check(Penalty::at(1, 1, false, nullptr).lambda_max(s, 4, 3) == 2.0, "lambda_max: the excluded coordinate is left out");
    check(Penalty::at(1, 1, true, nullptr).lambda_max(s, 4, 3) == 1.0, "lambda_max: positive uses s_j⁺");
    const double w[4] = {1, 4, 0.5, 0};
    check(Penalty::at(1, 1, false, w).lambda_max(s, 4, -1) == 2.0, "lambda_max: divided by the weights, unpenalised left out");
    check(Penalty::at(1, 0.5, false, nullptr).lambda_max(s, 4, -1) == 6.0, "lambda_max: divided by l1_ratio");
    const Penalty pen = Penalty::at(2, 0.25, true, w);
    check(pen.l1 == 0.5 && pen.l2 == 1.5 && pen.positive && pen.weights == w, "Penalty::at: λ₁ = λ·l1_ratio, λ₂ = λ·(1 − l1_ratio)");
  }

  // 2. The Gram diagonal, and validate_problem reading it.
  {
    const std::vector<double> g = small_gram();
    const MatrixView view{g.data(), 4, 4};
    const std::vector<double> diag = gram_diagonal(view);
    bool same = diag.size() == 4;
    for (int j = 0; j < 4 && same; ++j) same = diag[j] == g[j * 4 + j];
    check(same, "gram_diagonal: G_jj");
    check(gram_diagonal(MatrixView{g.data(), 2, 3}).size() == 2, "gram_diagonal: min(rows, cols) values");
    std::vector<double> variance(diag);
    LassoProblem problem;
    problem.gram = view;
    problem.cross = view;
    problem.variance = variance.data();
    problem.exclude_self = true;
    ExecutionContext ctx;
    ctx.threads = 1;
    bool threw = false;
    try {
      validate_problem(problem, ctx);
    } catch (const Error& e) {
      threw = e.code() == ErrorCode::InvalidArgument;
    }
    check(threw, "validate_problem: needs the diagonal");
    problem.gram_diagonal = diag.data();
    bool ok = true;
    try {
      validate_problem(problem, ctx);
    } catch (const Error&) {
      ok = false;
    }
    check(ok, "validate_problem: accepts a valid problem with its diagonal");
  }

  // 3. WorkingSet + SupportStep: on a small PD problem, sweeps and a Newton step reach the
  // exact minimiser (certificate gap ~ 0); store() writes β_W back.
  {
    const std::vector<double> g = small_gram();
    const MatrixView view{g.data(), 4, 4};
    const std::vector<double> diag = gram_diagonal(view);
    // A consistent target: s = G x0, d = x0ᵀ G x0 + 0.2 (the joint covariance is PSD).
    const double x0[4] = {1, -0.5, 0.3, 0};
    double s[4] = {0, 0, 0, 0}, d = 0.2;
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) s[i] += g[i * 4 + j] * x0[j];
      d += x0[i] * s[i];
    }
    std::vector<double> beta(4, 0.0), q(4, 0.0);
    const Penalty pen = Penalty::at(0.01, 1, false, nullptr);
    LassoProblem problem;
    problem.gram = problem.cross = view;
    const std::unique_ptr<GramAccess> access = GramAccess::create(problem);
    WorkingSet ws(*access, diag.data(), 4);
    ws.choose(pen, HUGE_VAL, TargetPoint{s, q.data(), beta.data(), d, -1});
    check(ws.size() == 4, "WorkingSet: every KKT violator joins a small W");
    SupportStep support;
    bool moved = false;
    double swept_gap = 0;
    for (int round = 0; round < 5; ++round) {
      for (int k = 0; k < 3; ++k) ws.sweep();
      if (round == 0) swept_gap = ws.certificate().gap;
      moved |= support.try_step(ws);
    }
    const Certificate cert = ws.certificate();
    char line[160];
    std::snprintf(line, sizeof line, "SupportStep: the Newton step lands on the minimiser (gap %.3g after 3 sweeps, %.3g after)",
                  swept_gap, cert.gap);
    check(moved && swept_gap > 1e-10 && cert.gap >= -1e-15 && cert.gap < 1e-14, line);
    ws.store(beta.data());
    bool stored = true;
    for (size_t a = 0; a < 4; ++a) stored = stored && beta[a] == ws.beta()[a];
    check(stored, "WorkingSet::store writes β_W back");
  }

  // 4. AndersonHistory: full every kAndersonDepth + 1 records; on a linear iteration
  // x ← A x + b (A diagonal, n = 3 < depth) it extrapolates to the fixed point.
  {
    AndersonHistory history;
    history.reset(3);
    const double a[3] = {0.9, 0.5, -0.7}, b[3] = {1, 2, 3};
    double x[3] = {0, 0, 0};
    int full = 0, records = 0;
    std::vector<double> out;
    bool extrapolated = false;
    for (size_t k = 0; k <= kAndersonDepth; ++k) {
      ++records;
      if (history.record(x)) full = records, extrapolated = history.extrapolate(out);
      for (int e = 0; e < 3; ++e) x[e] = a[e] * x[e] + b[e];
    }
    check(full == static_cast<int>(kAndersonDepth) + 1, "AndersonHistory: full after kAndersonDepth + 1 records");
    double err = 0;
    for (int e = 0; e < 3 && extrapolated; ++e) err = std::fmax(err, std::fabs(out[e] - b[e] / (1 - a[e])));
    check(extrapolated && err < 1e-4, "AndersonHistory: extrapolates a linear iteration to its fixed point (error " + std::to_string(err) + ")");
  }

  // judge(): a negative gap or r² beyond rounding is a witness of an indefinite problem, never
  // a certificate; with unpenalised coordinates a negative gap proves nothing but never certifies.
  {
    const auto cert_of = [](double gap, double r2, double kkt, double unpenalised) {
      Certificate c{};
      c.gap = gap, c.signed_residual = r2, c.residual_variance = std::fmax(r2, 0.0), c.objective = std::fmax(r2, 0.0) / 2;
      c.unpenalised_kkt = kkt, c.unpenalised = unpenalised, c.magnitude = 10;
      return c;
    };
    const double target = 1e-6;
    check(judge(cert_of(5e-7, 1, 0, 0), target) == Verdict::Converged, "judge: a small gap converges");
    check(judge(cert_of(-1e-12, 1, 0, 0), target) == Verdict::Converged, "judge: a gap negative by rounding converges");
    check(judge(cert_of(1e-3, 1, 0, 0), target) == Verdict::Open, "judge: a large gap is open");
    check(judge(cert_of(-29, 1, 0, 0), target) == Verdict::NotConvex, "judge: a gap of -29 is a witness, never converged");
    check(judge(cert_of(-2e-6, 1, 0, 0), target) == Verdict::NotConvex, "judge: a gap just below -tol·d is a witness");
    check(judge(cert_of(1e-8, -1e-3, 0, 0), target) == Verdict::NotConvex, "judge: a negative r² is a witness");
    check(judge(cert_of(1e-8, -1e-14, 0, 0), target) == Verdict::Converged, "judge: r² negative by rounding converges");
    check(judge(cert_of(std::nan(""), 1, 0, 0), target) == Verdict::NotConvex, "judge: a NaN gap is never converged");
    check(judge(cert_of(1e-8, std::nan(""), 0, 0), target) == Verdict::NotConvex, "judge: a NaN r² is never converged");
    check(judge(cert_of(-29, 1, 1e-7, 3), target) == Verdict::Open, "judge: unpenalised coordinates: a gap of -29 is open, not converged");
    check(judge(cert_of(-1e-5, 1, 1e-7, 3), target) == Verdict::Converged,
          "judge: unpenalised coordinates near their optimum: a gap within sqrt(2·n_U·kkt·size) converges");
    Certificate big = cert_of(1e-8, 1, 0, 0);
    big.magnitude = 1e6;  // large terms: rounding alone may reach 1e-9 of them
    big.gap = -1e-4;
    check(judge(big, target) == Verdict::Converged, "judge: the floor follows the size of the terms summed");
  }

  return covlasso_test::finish();
}
