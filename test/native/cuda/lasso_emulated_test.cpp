// The CUDA backend's lasso (native/cuda: the driver and the per-target steps the kernels run),
// executed on the host by the emulated executor, against the CPU backend on the same problems:
// the results contract of backend.hpp (objective ≤ CPU's + 1e-6·d, the certificate recomputed
// from the returned coefficients holds, λ and λ_max identical), every option, singular S, paths,
// chunking and scratch groups, one lane and several threaded lanes, determinism.
// Built and run by test/cuda-emulation.test.ts:
//   g++ -std=c++17 -O2 -Inative/core -Inative/cuda -Itest/native/cuda test/native/cuda/lasso_emulated_test.cpp
//       native/core/*.cpp native/core/cpu/*.cpp native/cuda/lasso_driver.cpp native/cuda/moments_plan.cpp -pthread
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "backend.hpp"
#include "cpu/cpu_backend.hpp"
#include "emulated_executor.hpp"
#include "lasso_driver.hpp"
#include "lasso_penalty.hpp"

using namespace covlasso;
using covlasso::cuda::testing::EmulatedExecutor;

namespace {

int g_failures = 0;
int g_checks = 0;

void check(bool ok, const std::string& what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL %s\n", what.c_str());
  }
}

// S = FᵀF/N of F = H·W (N × C, rank r ≤ C: singular when r < C), plus a little noise when asked.
std::vector<double> low_rank_covariance(int n, int c, int r, double noise, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<double> h(n * r), w(r * c), f(n * c, 0.0), s(c * c, 0.0);
  for (double& v : h) v = std::max(0.0, g(rng));
  for (double& v : w) v = g(rng);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < r; ++k) {
      for (int j = 0; j < c; ++j) f[i * c + j] += h[i * r + k] * w[k * c + j];
    }
    for (int j = 0; j < c; ++j) f[i * c + j] += noise * g(rng);
  }
  for (int i = 0; i < n; ++i) {
    for (int a = 0; a < c; ++a) {
      for (int b = 0; b < c; ++b) s[a * c + b] += f[i * c + a] * f[i * c + b];
    }
  }
  for (double& v : s) v /= n;
  for (int a = 0; a < c; ++a) {
    for (int b = 0; b < a; ++b) s[a * c + b] = s[b * c + a];  // exactly symmetric
  }
  return s;
}

struct Outputs {
  std::vector<double> lambda, lambda_max, objective, gap, r2;
  std::vector<int32_t> iterations, path_length;
  std::vector<uint8_t> converged;
  std::vector<SparseCoef> coefs;
  LassoResultArrays arrays(int64_t t) {
    return LassoResultArrays{lambda.data(), lambda_max.data(), objective.data(), gap.data(), r2.data(),
                             iterations.data(), converged.data(), path_length.data()};
  }
  explicit Outputs(int64_t n, int64_t t)
      : lambda(n), lambda_max(n), objective(n), gap(n), r2(n), iterations(n), path_length(t), converged(n) {}
};

struct Case {
  std::string name;
  LassoProblem problem;
  std::vector<int32_t> targets;
  LambdaSequence lambdas;
  LassoSettings settings;
  const std::vector<SparseCoef>* warm = nullptr;
  bool threaded = false;  // also run with threaded lanes (slow: a barrier per coordinate update)
};

Outputs run_cpu(const Case& c) {
  const int64_t n = static_cast<int64_t>(c.targets.size() * c.lambdas.values.size());
  Outputs o(n, static_cast<int64_t>(c.targets.size()));
  TargetBatch batch{c.targets.data(), static_cast<int64_t>(c.targets.size()), c.warm};
  o.coefs = solve_lasso(cpu::backend(), c.problem, batch, c.lambdas, c.settings, o.arrays(0), ExecutionContext{});
  return o;
}

Outputs run_emulated(const Case& c, int lanes, size_t free_bytes, int64_t shared_limit, int* launches = nullptr) {
  const int64_t n = static_cast<int64_t>(c.targets.size() * c.lambdas.values.size());
  Outputs o(n, static_cast<int64_t>(c.targets.size()));
  TargetBatch batch{c.targets.data(), static_cast<int64_t>(c.targets.size()), c.warm};
  // What solve_lasso does before a backend runs: the Gram's diagonal taken once, then validation.
  const std::vector<double> diagonal = gram_diagonal(c.problem.gram);
  LassoProblem problem = c.problem;
  problem.gram_diagonal = diagonal.data();
  validate_problem(problem, ExecutionContext{});
  validate_batch(problem, batch, c.lambdas, c.settings);
  EmulatedExecutor exec(lanes, free_bytes, shared_limit);
  o.coefs = cuda::drive_lasso(exec, problem, batch, c.lambdas, c.settings, o.arrays(0), ExecutionContext{});
  if (launches != nullptr) *launches = exec.sweep_launches;
  return o;
}

// The certificate of a returned coefficient vector, recomputed from scratch in float64.
Certificate recompute(const Case& c, int32_t t, double lambda, const SparseCoef& coef) {
  const int64_t p = c.problem.gram.rows;
  std::vector<double> beta(p, 0.0), q(p, 0.0), s(p), diag(p);
  for (size_t e = 0; e < coef.indices.size(); ++e) beta[coef.indices[e]] = coef.values[e];
  for (int64_t j = 0; j < p; ++j) {
    s[j] = c.problem.cross.at(j, t);
    diag[j] = c.problem.gram.at(j, j);
    if (beta[j] == 0) continue;
    for (int64_t i = 0; i < p; ++i) q[i] += beta[j] * c.problem.gram.at(j, i);
  }
  Penalty pen;
  pen.l1 = lambda * c.settings.l1_ratio;
  pen.l2 = lambda * (1 - c.settings.l1_ratio);
  pen.positive = c.settings.positive;
  pen.weights = c.problem.penalty_factor;
  return certify(p, beta.data(), q.data(), s.data(), diag.data(), c.problem.variance[t], pen,
                 c.problem.exclude_self ? t : -1);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// The results contract against the CPU backend.
void compare(const Case& c, const Outputs& cpu, const Outputs& gpu, const std::string& how) {
  const int64_t K = static_cast<int64_t>(c.lambdas.values.size());
  const std::string tag = c.name + " [" + how + "]";
  int worse = 0, uncertified = 0, unconverged = 0, mismatched = 0;
  for (size_t k = 0; k < c.targets.size(); ++k) {
    const int32_t t = c.targets[k];
    const double d = c.problem.variance[t];
    if (cpu.path_length[k] != gpu.path_length[k]) ++mismatched;
    for (int64_t l = 0; l < K; ++l) {
      const int64_t at = static_cast<int64_t>(k) * K + l;
      if (cpu.lambda[at] != gpu.lambda[at] || cpu.lambda_max[at] != gpu.lambda_max[at]) ++mismatched;
      if (l >= gpu.path_length[k]) continue;
      if (cpu.converged[at] && !gpu.converged[at]) ++unconverged;
      // Where the CPU certified a solution, the GPU's is as good; a run cut short by max_iter
      // promises nothing (the CPU's active-set steps, kept factor and all, may get further in
      // 3 sweeps than the GPU's, which still refactor at every step).
      if (cpu.converged[at] && gpu.objective[at] > cpu.objective[at] + 1e-6 * d) ++worse;
      const Certificate cert = recompute(c, t, gpu.lambda[at], gpu.coefs[at]);
      if (std::fabs(cert.objective - gpu.objective[at]) > 1e-9 * (d + 1)) ++mismatched;
      if (gpu.converged[at] && !(cert.gap <= c.settings.tol * d * (1 + 1e-6) + 1e-13 * d)) ++uncertified;
      if (gpu.converged[at] && !(gpu.gap[at] <= c.settings.tol * d)) ++uncertified;
    }
  }
  check(worse == 0, tag + ": objective <= CPU + 1e-6 d where the CPU converged (" + std::to_string(worse) + " worse)");
  check(uncertified == 0, tag + ": certificate recomputed from the coefficients holds (" + std::to_string(uncertified) + " not)");
  check(unconverged == 0, tag + ": converged wherever the CPU did (" + std::to_string(unconverged) + " not)");
  int converged = 0, solved = 0, cpu_converged = 0;
  for (size_t k = 0; k < c.targets.size(); ++k) {
    for (int64_t l = 0; l < gpu.path_length[k]; ++l) {
      converged += gpu.converged[k * K + l], cpu_converged += cpu.converged[k * K + l], ++solved;
    }
  }
  if (cpu_converged == solved) {  // not vacuous: where the CPU certifies everything, so does this
    check(converged == solved && solved > 0, tag + ": every solved (target, lambda) certified (" + std::to_string(converged) +
                                                 " of " + std::to_string(solved) + ")");
  }
  check(mismatched == 0, tag + ": same lambda, lambda_max, path length; objective matches its coefficients (" +
                             std::to_string(mismatched) + " differ)");
}

std::vector<double> ratios(int k, double lo) {
  std::vector<double> v(k);
  for (int i = 0; i < k; ++i) v[i] = k == 1 ? lo : std::exp(std::log(lo) * i / (k - 1));
  return v;
}

}  // namespace

int main() {
  const int C = 24;
  const std::vector<double> S = low_rank_covariance(60, C, 8, 0.0, 1);        // rank 8: singular
  const std::vector<double> S_full = low_rank_covariance(80, C, C, 0.05, 2);  // full rank
  std::vector<double> diag(C), diag_full(C);
  for (int j = 0; j < C; ++j) diag[j] = S[j * C + j], diag_full[j] = S_full[j * C + j];
  std::vector<int32_t> all(C);
  for (int j = 0; j < C; ++j) all[j] = j;

  const auto intra = [&](const std::vector<double>& s, const std::vector<double>& d) {
    LassoProblem p;
    p.gram = {s.data(), C, C};
    p.cross = {s.data(), C, C};
    p.variance = d.data();
    p.exclude_self = true;
    return p;
  };

  std::vector<Case> cases;
  {
    Case c{"singular S, one lambda ratio 0.1", intra(S, diag), all, {{0.1}, true}, {}};
    cases.push_back(c);
  }
  {
    Case c{"full-rank S, 20-lambda path to 1e-3", intra(S_full, diag_full), all, {ratios(20, 1e-3), true}, {}};
    cases.push_back(c);
  }
  {
    Case c{"singular S, 12-lambda path to 1e-4", intra(S, diag), all, {ratios(12, 1e-4), true}, {}};
    c.threaded = true;
    cases.push_back(c);
  }
  {
    Case c{"positive, elastic net 0.5", intra(S_full, diag_full), all, {ratios(6, 0.01), true}, {}};
    c.settings.positive = true;
    c.settings.l1_ratio = 0.5;
    cases.push_back(c);
  }
  std::vector<double> factors(C);
  for (int j = 0; j < C; ++j) factors[j] = j % 7 == 3 ? 0.0 : 0.5 + 0.1 * (j % 5);
  {
    Case c{"penalty factors with zeros", intra(S_full, diag_full), all, {ratios(5, 0.05), true}, {}};
    c.problem.penalty_factor = factors.data();
    c.threaded = true;
    cases.push_back(c);
  }
  {
    Case c{"positive with unpenalised coordinates (at the bound β = 0)", intra(S_full, diag_full), all, {ratios(4, 0.02), true}, {}};
    c.problem.penalty_factor = factors.data();
    c.settings.positive = true;
    c.settings.max_iter = 5000;
    cases.push_back(c);
  }
  {
    Case c{"absolute lambdas, max_iter 3 (honest converged)", intra(S, diag), all, {{0.5, 0.05, 0.005}, false}, {}};
    c.settings.max_iter = 3;
    cases.push_back(c);
  }
  {
    Case c{"stop_relative_error ends paths", intra(S_full, diag_full), all, {ratios(15, 1e-3), true}, {}};
    c.settings.stop_relative_error = 0.05;
    cases.push_back(c);
  }
  {
    Case c{"lambda 0 and tol 1e-9", intra(S_full, diag_full), {0, 5, 11}, {{0.0}, false}, {}};
    c.settings.tol = 1e-9;
    cases.push_back(c);
  }
  // General form: sources are the first 16 categories, targets the last 8 (cross-model).
  const int P = 16, M = C - P;
  std::vector<double> G(P * P), X(P * M), dX(M);
  for (int i = 0; i < P; ++i) {
    for (int j = 0; j < P; ++j) G[i * P + j] = S_full[i * C + j];
    for (int t = 0; t < M; ++t) X[i * M + t] = S_full[i * C + P + t];
  }
  for (int t = 0; t < M; ++t) dX[t] = S_full[(P + t) * C + P + t];
  std::vector<int32_t> cross_targets(M);
  for (int t = 0; t < M; ++t) cross_targets[t] = t;
  {
    Case c{"general problem (G, cross, variances)", {}, cross_targets, {ratios(8, 1e-3), true}, {}};
    c.problem.gram = {G.data(), P, P};
    c.problem.cross = {X.data(), P, M};
    c.problem.variance = dX.data();
    cases.push_back(c);
  }

  for (const Case& c : cases) {
    const Outputs cpu = run_cpu(c);
    const Outputs one = run_emulated(c, 1, size_t(1) << 30, 1 << 20);
    compare(c, cpu, one, "1 lane");
    const Outputs again = run_emulated(c, 1, size_t(1) << 30, 1 << 20);
    check(same_bits(one.objective, again.objective) && same_bits(one.gap, again.gap),
          c.name + ": the same bits run to run");
    if (c.threaded) compare(c, cpu, run_emulated(c, 3, size_t(1) << 30, 1 << 20), "3 threaded lanes");
  }

  // A float32 covariance (and float32 general moments) is read as it is on the host, widened into
  // the device's float64 buffers: bitwise the results of its float64 copy, on both backends.
  {
    const auto rounded = [](const std::vector<double>& v) {
      std::vector<float> f(v.size());
      for (size_t i = 0; i < v.size(); ++i) f[i] = static_cast<float>(v[i]);
      return f;
    };
    const auto widened = [](const std::vector<float>& f) { return std::vector<double>(f.begin(), f.end()); };
    const std::vector<float> S32 = rounded(S_full), G32 = rounded(G), X32 = rounded(X);
    const std::vector<double> S64 = widened(S32), G64 = widened(G32), X64 = widened(X32);
    std::vector<double> d64(C), dX64(M);
    for (int j = 0; j < C; ++j) d64[j] = S64[j * C + j];
    for (int t = 0; t < M; ++t) dX64[t] = S64[(P + t) * C + P + t];
    Case wide{"float64 copy of a float32 S", intra(S64, d64), all, {ratios(6, 1e-3), true}, {}};
    Case narrow = wide;
    narrow.name = "float32 S";
    narrow.problem.gram = {S32.data(), C, C};
    narrow.problem.cross = narrow.problem.gram;
    Case wide_general{"float64 copy of float32 general moments", {}, cross_targets, {ratios(5, 1e-3), true}, {}};
    wide_general.problem.gram = {G64.data(), P, P};
    wide_general.problem.cross = {X64.data(), P, M};
    wide_general.problem.variance = dX64.data();
    Case narrow_general = wide_general;
    narrow_general.name = "float32 general moments";
    narrow_general.problem.gram = {G32.data(), P, P};
    narrow_general.problem.cross = {X32.data(), P, M};
    const auto same_outputs = [&](const Outputs& a, const Outputs& b) {
      bool same = same_bits(a.objective, b.objective) && same_bits(a.gap, b.gap) && a.coefs.size() == b.coefs.size();
      for (size_t k = 0; same && k < a.coefs.size(); ++k) {
        same = a.coefs[k].indices == b.coefs[k].indices && same_bits(a.coefs[k].values, b.coefs[k].values);
      }
      return same;
    };
    for (const auto& pair : {std::make_pair(&narrow, &wide), std::make_pair(&narrow_general, &wide_general)}) {
      const Outputs cpu32 = run_cpu(*pair.first), cpu64 = run_cpu(*pair.second);
      check(same_outputs(cpu32, cpu64), pair.first->name + ": the CPU backend gives its float64 copy's bits");
      const Outputs gpu32 = run_emulated(*pair.first, 1, size_t(1) << 30, 1 << 20);
      check(same_outputs(gpu32, run_emulated(*pair.second, 1, size_t(1) << 30, 1 << 20)),
            pair.first->name + ": the CUDA driver gives its float64 copy's bits");
      compare(*pair.first, cpu32, gpu32, "1 lane");
    }
    // The widening upload in slices smaller than the matrix (and a slice larger than it).
    EmulatedExecutor exec(1, size_t(1) << 30);
    for (const int64_t slice : {int64_t(7), int64_t(1) << 22}) {
      double* device = static_cast<double*>(exec.alloc(S32.size() * sizeof(double)));
      cuda::upload_as_double(exec, device, MatrixView{S32.data(), C, C}, slice);
      std::vector<double> back(S32.size());
      exec.download(back.data(), device, back.size() * sizeof(double));
      exec.release(device);
      check(same_bits(back, S64), "upload_as_double widens every value (slice " + std::to_string(slice) + ")");
    }
  }

  // Warm starts: each target's path solution at a larger λ as the start of a smaller one.
  {
    Case first{"warm start source", intra(S_full, diag_full), all, {{0.2}, true}, {}};
    const Outputs seed = run_cpu(first);
    Case c{"warm start from lambda ratio 0.2 to 0.02", intra(S_full, diag_full), all, {{0.02}, true}, {}};
    c.warm = &seed.coefs;
    const Outputs cpu = run_cpu(c);
    compare(c, cpu, run_emulated(c, 1, size_t(1) << 30, 1 << 20), "1 lane");
    compare(c, cpu, run_emulated(c, 3, size_t(1) << 30, 1 << 20), "3 threaded lanes");
  }

  // Chunks of a few targets, scratch groups of one target, working sets past the shared limit.
  {
    Case c{"tiny device memory: chunks and scratch groups", intra(S, diag), all, {ratios(6, 1e-3), true}, {}};
    const Outputs cpu = run_cpu(c);
    const size_t per_target = sizeof(cuda::TargetState) + 16 + C * 32;
    int launches = 0;
    const Outputs small = run_emulated(c, 1, (size_t(64) << 20) + C * C * 8 * 2 + 10 * per_target, 4, &launches);
    compare(c, cpu, small, "chunks of ~5, shared limit 4");
    check(launches > 0, c.name + ": sweeps launched");
  }

  // Progress: increasing, ending at 1, reported within a λ (rounds) as well as after each.
  {
    Case c{"progress", intra(S, diag), all, {ratios(3, 1e-2), true}, {}};
    const int64_t n = C * 3;
    Outputs o(n, C);
    TargetBatch batch{c.targets.data(), C, nullptr};
    std::vector<double> seen;
    ExecutionContext ctx;
    ctx.progress = [&](double f) { seen.push_back(f); };
    EmulatedExecutor exec(1, size_t(1) << 30);
    cuda::drive_lasso(exec, c.problem, batch, c.lambdas, c.settings, o.arrays(0), ctx);
    bool increasing = !seen.empty();
    for (size_t i = 1; i < seen.size(); ++i) increasing = increasing && seen[i] >= seen[i - 1];
    check(increasing && seen.back() == 1.0 && seen.size() > 3, "progress: " + std::to_string(seen.size()) +
                                                                   " reports, increasing, ending at 1");
  }
  // Cancel: the flag is read between launches; the call throws Aborted.
  {
    Case c{"cancel", intra(S, diag), all, {ratios(10, 1e-3), true}, {}};
    Outputs o(C * 10, C);
    TargetBatch batch{c.targets.data(), C, nullptr};
    CancelFlag flag{false};
    ExecutionContext ctx;
    ctx.cancel = &flag;
    ctx.progress = [&](double f) {
      if (f > 0.3) flag.store(true);
    };
    EmulatedExecutor exec(1, size_t(1) << 30);
    bool aborted = false;
    try {
      cuda::drive_lasso(exec, c.problem, batch, c.lambdas, c.settings, o.arrays(0), ctx);
    } catch (const Error& e) {
      aborted = e.code() == ErrorCode::Aborted;
    }
    check(aborted, "a raised cancel flag stops the solve with Aborted");
  }

  // An indefinite S (one pair beyond Cauchy–Schwarz: S_01 = 1.5·sqrt(S_00·S_11)): both backends
  // refuse it with NotPositiveSemidefinite (a negative r² is a witness), and neither certifies it.
  {
    std::vector<double> bad = S_full, bad_diag(C);
    bad[1] = bad[C] = 1.5 * std::sqrt(bad[0] * bad[C + 1]);
    for (int j = 0; j < C; ++j) bad_diag[j] = bad[j * C + j];
    Case c{"indefinite S", intra(bad, bad_diag), all, {ratios(6, 1e-3), true}, {}};
    const auto code_of = [&](const std::function<void()>& run) {
      try {
        run();
      } catch (const Error& e) {
        return std::string(e.code() == ErrorCode::NotPositiveSemidefinite ? "not psd: " : "other: ") + e.what();
      }
      return std::string("no error");
    };
    const std::string on_cpu = code_of([&] { run_cpu(c); });
    const std::string on_gpu = code_of([&] { run_emulated(c, 32, size_t(1) << 30, 48 * 1024); });
    check(on_cpu.rfind("not psd: ", 0) == 0, "indefinite S: the CPU throws NotPositiveSemidefinite (" + on_cpu + ")");
    check(on_gpu.rfind("not psd: ", 0) == 0, "indefinite S: the emulated CUDA throws NotPositiveSemidefinite (" + on_gpu + ")");
  }

  // Many sweep launches: max_iter large, tol tight, budget small working sets.
  check(cuda::max_sweeps_per_launch({}) == 65536, "max_sweeps_per_launch: no work → the cap");
  check(cuda::max_sweeps_per_launch({1000000}) == 16, "max_sweeps_per_launch: huge working set → the floor");
  check(cuda::max_sweeps_per_launch(std::vector<int64_t>(1000, 40)) == 2064, "max_sweeps_per_launch: 1000 × w=40");

  // Invalid warm starts are refused before any work, with the CPU's message.
  {
    std::vector<SparseCoef> bad(C);
    bad[2].indices = {2};
    bad[2].values = {1.0};
    TargetBatch batch{all.data(), C, &bad};
    LambdaSequence lambdas{{0.1}, true};
    LassoSettings settings;
    bool threw = false;
    try {
      validate_batch(intra(S, diag), batch, lambdas, settings);
    } catch (const Error& e) {
      threw = e.code() == ErrorCode::InvalidArgument && std::string(e.what()).find("warm start for target 2") != std::string::npos;
    }
    check(threw, "a warm start on the excluded coordinate is InvalidArgument");
  }

  std::printf("%s: %d checks, %d failed\n", g_failures == 0 ? "ok" : "FAIL", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
