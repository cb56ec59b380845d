#include "range_eigen.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "errors.hpp"
#include "moments_blocks.hpp"
#include "symmetric_eigen.hpp"

namespace covlasso {
namespace cpu {

namespace {

// Deterministic standard normals (splitmix64 + Box–Muller): the same Ω on every platform.
class Normals {
 public:
  explicit Normals(uint64_t seed) : state_(seed) {}
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v;
    do u = uniform(); while (u <= 0);
    v = uniform();
    const double r = std::sqrt(-2 * std::log(u)), a = 6.283185307179586 * v;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  double uniform() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  }
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// out (p×q) = xᵀ y for row-major x (N×p) and y (N×q), on the covariance kernel's float64 strips
// (shifts of zero: plain products, summed block by block in a fixed order).
void product_tn(const DoubleMatrixView& x, const DoubleMatrixView& y, double* out, int threads, const CancelFlag* cancel) {
  std::fill(out, out + x.cols * y.cols, 0.0);
  const std::vector<double> zero_x(x.cols, 0.0), zero_y(y.cols, 0.0);
  std::vector<double> sum_x(x.cols, 0.0), sum_y(y.cols, 0.0);
  int64_t n = 0;
  const MatrixView xv{x.data, DType::F64, x.rows, x.cols}, yv{y.data, DType::F64, y.rows, y.cols};
  detail::accumulate_rows(xv, &yv, false, false, threads, cancel, zero_x, zero_y, sum_x, sum_y, out, n);
}

}  // namespace

void thin_q(double* y, int64_t rows, int64_t cols, int threads) {
  if (cols > rows) throw Error(ErrorCode::ShapeMismatch, "thin_q needs at least as many rows as columns");
  // Work on the transpose: row j of t is column j of y, so every reflector touches contiguous rows.
  std::vector<double> t(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = y[r * cols + c];
  }
  std::vector<double> beta(static_cast<size_t>(cols), 0.0);
  std::vector<std::vector<double>> reflectors(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) {
    double* x = &t[j * rows + j];
    const int64_t m = rows - j;
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += x[i] * x[i];
    norm = std::sqrt(norm);
    std::vector<double>& v = reflectors[j];
    v.assign(x, x + m);
    if (norm == 0) {  // a zero column: the reflector maps e_1 to itself; Q gets e_j there
      beta[j] = 0;
      continue;
    }
    const double alpha = x[0] > 0 ? -norm : norm;
    v[0] -= alpha;
    double vv = 0;
    for (int64_t i = 0; i < m; ++i) vv += v[i] * v[i];
    beta[j] = vv > 0 ? 2 / vv : 0;
    // H = I − β v vᵀ on the remaining columns (rows of t).
    parallel_for(cols - j - 1, threads, [&](int64_t task, int) {
      double* row = &t[(j + 1 + task) * rows + j];
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += v[i] * row[i];
      const double f = beta[j] * dot;
      for (int64_t i = 0; i < m; ++i) row[i] -= f * v[i];
    });
  }
  // Q = H_0 ⋯ H_{k−1} [I; 0], accumulated backwards into the rows of t (row r = column r of Q).
  std::fill(t.begin(), t.end(), 0.0);
  for (int64_t r = 0; r < cols; ++r) t[r * rows + r] = 1;
  for (int64_t j = cols - 1; j >= 0; --j) {
    const std::vector<double>& v = reflectors[j];
    const int64_t m = rows - j;
    if (beta[j] == 0) continue;
    parallel_for(cols - j, threads, [&](int64_t task, int) {
      double* row = &t[(j + task) * rows + j];
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += v[i] * row[i];
      const double f = beta[j] * dot;
      for (int64_t i = 0; i < m; ++i) row[i] -= f * v[i];
    });
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] = t[c * rows + r];
  }
}

RangeEigen range_eigen(const DoubleMatrixView& s, const RangeEigenOptions& options, const ExecutionContext& ctx) {
  const int64_t n = s.rows;
  if (n <= 0 || s.cols != n) throw Error(ErrorCode::ShapeMismatch, "range_eigen needs a non-empty square matrix");
  if (options.initial_rank < 1 || options.oversample < 0 || options.power_iterations < 0) {
    throw Error(ErrorCode::InvalidArgument, "range_eigen: initial_rank >= 1, oversample >= 0, power_iterations >= 0");
  }
  const int threads = resolve_threads(ctx.threads);
  const int64_t cap = options.max_rank > 0 ? std::min(options.max_rank, n) : n;
  const double rtol = options.rank_tolerance > 0 ? options.rank_tolerance : static_cast<double>(n) * std::ldexp(1.0, -52);
  int64_t k = std::min(cap, options.initial_rank + options.oversample);
  for (;;) {
    ctx.check_cancelled();
    const int products = 2 + options.power_iterations;
    int done = 0;
    const auto step = [&] { ctx.report(static_cast<double>(++done) / (products + 1)); };
    std::vector<double> q(static_cast<size_t>(n * k)), z(static_cast<size_t>(n * k));
    Normals normals(options.seed);
    for (double& v : q) v = normals.next();
    for (int p = 0; p < products - 1; ++p) {  // Y = S Q, then Q = orth(Y)
      product_tn(s, {q.data(), n, k}, z.data(), threads, ctx.cancel);
      step();
      q.swap(z);
      thin_q(q.data(), n, k, threads);
    }
    // Rayleigh–Ritz: B = Qᵀ S Q, then V = Q U.
    product_tn(s, {q.data(), n, k}, z.data(), threads, ctx.cancel);
    step();
    std::vector<double> b(static_cast<size_t>(k * k));
    product_tn({q.data(), n, k}, {z.data(), n, k}, b.data(), threads, ctx.cancel);
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t j = i + 1; j < k; ++j) b[i * k + j] = b[j * k + i] = 0.5 * (b[i * k + j] + b[j * k + i]);
    }
    RangeEigen out;
    out.n = n;
    out.k = k;
    out.values.resize(static_cast<size_t>(k));
    symmetric_eigen(b.data(), k, out.values.data(), true, ExecutionContext{threads, ctx.cancel, {}});
    const double largest = std::max(std::fabs(out.values.front()), std::fabs(out.values.back()));
    out.rank = 0;
    for (double v : out.values) out.rank += v > rtol * largest;
    out.complete = out.rank < k || k == n;
    if (out.complete || k >= cap) {
      // V = Q Uᵀ with U's rows the eigenvectors of B: V[r][j] = Σ_i Q[r][i] U[j][i].
      out.vectors.assign(static_cast<size_t>(n * k), 0.0);
      parallel_for(n, threads, [&](int64_t r, int) {
        const double* qr = &q[r * k];
        double* vr = &out.vectors[r * k];
        for (int64_t j = 0; j < k; ++j) {
          const double* u = &b[j * k];
          double sum = 0;
          for (int64_t i = 0; i < k; ++i) sum += qr[i] * u[i];
          vr[j] = sum;
        }
      });
      ctx.report(1.0);
      return out;
    }
    k = std::min(cap, 2 * k);
  }
}

}  // namespace cpu
}  // namespace covlasso
