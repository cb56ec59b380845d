#include "symmetric_eigen.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "errors.hpp"

namespace covlasso {
namespace cpu {

namespace {

// W = Vᵀ: JAMA's V[r][c] is W[c·n + r].
struct Transposed {
  double* w;
  int64_t n;
  double& operator()(int64_t r, int64_t c) const { return w[c * n + r]; }
};

// Householder reduction to tridiagonal form (tred2), d = diagonal, e = sub-diagonal (e[0] = 0
// after the final shift), V = the accumulated transformations when `vectors`.
void tridiagonalise(const Transposed& V, double* d, double* e, bool vectors) {
  const int64_t n = V.n;
  for (int64_t j = 0; j < n; ++j) d[j] = V(n - 1, j);
  for (int64_t i = n - 1; i > 0; --i) {
    double scale = 0, h = 0;
    for (int64_t k = 0; k < i; ++k) scale += std::fabs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (int64_t j = 0; j < i; ++j) {
        d[j] = V(i - 1, j);
        V(i, j) = 0;
        V(j, i) = 0;
      }
    } else {
      for (int64_t k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (int64_t j = 0; j < i; ++j) e[j] = 0;
      for (int64_t j = 0; j < i; ++j) {
        f = d[j];
        V(j, i) = f;
        g = e[j] + V(j, j) * f;
        const double* col = &V(0, j);  // V(k, j) for k ≥ j + 1, contiguous in W
        for (int64_t k = j + 1; k <= i - 1; ++k) {
          g += col[k] * d[k];
          e[k] += col[k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (int64_t j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (int64_t j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (int64_t j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        double* col = &V(0, j);
        for (int64_t k = j; k <= i - 1; ++k) col[k] -= f * e[k] + g * d[k];
        d[j] = V(i - 1, j);
        V(i, j) = 0;
      }
    }
    d[i] = h;
  }
  if (vectors) {
    for (int64_t i = 0; i < n - 1; ++i) {
      V(n - 1, i) = V(i, i);
      V(i, i) = 1;
      const double h = d[i + 1];
      const double* next = &V(0, i + 1);
      if (h != 0) {
        for (int64_t k = 0; k <= i; ++k) d[k] = next[k] / h;
        for (int64_t j = 0; j <= i; ++j) {
          double* col = &V(0, j);
          double g = 0;
          for (int64_t k = 0; k <= i; ++k) g += next[k] * col[k];
          for (int64_t k = 0; k <= i; ++k) col[k] -= g * d[k];
        }
      }
      for (int64_t k = 0; k <= i; ++k) V(k, i + 1) = 0;
    }
    for (int64_t j = 0; j < n; ++j) {
      d[j] = V(n - 1, j);
      V(n - 1, j) = 0;
    }
    V(n - 1, n - 1) = 1;
  } else {
    for (int64_t j = 0; j < n; ++j) d[j] = V(j, j);
  }
  for (int64_t i = 1; i < n; ++i) e[i - 1] = e[i];
  e[n - 1] = 0;
}

// Applies the recorded rotations (in order) to rows i, i+1 of W, in column blocks.
struct Rotation {
  int64_t i;
  double c, s;
};
constexpr int64_t kRotationBlock = 256;

void apply_rotations(double* w, int64_t n, const std::vector<Rotation>& rotations, int threads) {
  const int64_t blocks = (n + kRotationBlock - 1) / kRotationBlock;
  const auto apply = [&](int64_t block, int) {
    const int64_t begin = block * kRotationBlock, end = std::min(n, begin + kRotationBlock);
    for (const Rotation& r : rotations) {
      double* lo = w + r.i * n;
      double* hi = lo + n;
      for (int64_t k = begin; k < end; ++k) {
        const double h = hi[k];
        hi[k] = r.s * lo[k] + r.c * h;
        lo[k] = r.c * lo[k] - r.s * h;
      }
    }
  };
  if (rotations.size() * static_cast<size_t>(n) < (1u << 16) || blocks == 1) {
    for (int64_t b = 0; b < blocks; ++b) apply(b, 0);
  } else {
    parallel_for(blocks, threads, apply);
  }
}

// The implicit QL iteration (tql2) on the tridiagonal (d, e), rotating W's rows when `vectors`,
// then sorting ascending.
void diagonalise(double* w, int64_t n, double* d, double* e, bool vectors, const ExecutionContext& ctx) {
  const int threads = resolve_threads(ctx.threads);
  const double eps = std::ldexp(1.0, -52);
  double f = 0, tst1 = 0;
  std::vector<Rotation> rotations;
  for (int64_t l = 0; l < n; ++l) {
    ctx.check_cancelled();
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int64_t m = l;
    while (m < n && !(std::fabs(e[m]) <= eps * tst1)) ++m;
    if (m == n) throw Error(ErrorCode::InvalidArgument, "the eigensolver met a non-finite value");
    if (m > l) {
      int64_t iter = 0;
      do {
        if (++iter > 100 * n) throw Error(ErrorCode::InvalidArgument, "the eigensolver did not converge (non-finite input?)");
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int64_t i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        rotations.clear();
        for (int64_t i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (vectors) rotations.push_back({i, c, s});
        }
        if (vectors) apply_rotations(w, n, rotations, threads);
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  for (int64_t i = 0; i < n - 1; ++i) {
    int64_t k = i;
    double p = d[i];
    for (int64_t j = i + 1; j < n; ++j) {
      if (d[j] < p) k = j, p = d[j];
    }
    if (k != i) {
      d[k] = d[i];
      d[i] = p;
      if (vectors) std::swap_ranges(w + i * n, w + (i + 1) * n, w + k * n);
    }
  }
}

}  // namespace

void symmetric_eigen(double* a, int64_t n, double* values, bool vectors, const ExecutionContext& ctx) {
  if (n <= 0) throw Error(ErrorCode::ShapeMismatch, "the eigensolver needs a non-empty square matrix");
  for (int64_t k = 0; k < n * n; ++k) {
    if (!std::isfinite(a[k])) throw Error(ErrorCode::NotFinite, "the matrix contains NaN or Inf");
  }
  std::vector<double> e(static_cast<size_t>(n));
  // a is symmetric, so its transpose W is a itself: tred2 starts from V = a.
  tridiagonalise(Transposed{a, n}, values, e.data(), vectors);
  ctx.report(0.3);
  diagonalise(a, n, values, e.data(), vectors, ctx);
}

}  // namespace cpu
}  // namespace covlasso
