// Products with the factored covariance S = Ã K Ãᵀ (factored.hpp): Ãᵀ·B and Ã·M as tiled loops
// over row blocks of Ã (rows × a chunk of the inner dimension × a block of output columns), the
// small K·T between them. Each output element is summed by one task, inner index ascending.
#include "factored.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cpu/vector_ops.hpp"
#include "errors.hpp"

namespace covlasso {

namespace {

constexpr int64_t kRowBlock = 32;     // rows of Ã per task of a product Ã·M
constexpr int64_t kInnerChunk = 256;  // rows of M kept hot while a row block sweeps them
constexpr int64_t kColBlock = 256;    // output columns per task
constexpr int64_t kTransposeRows = 8;  // rows of Ãᵀ·B (columns of Ã) per task

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int threads_of(const ExecutionContext& ctx) { return resolve_threads(ctx.threads); }

// Task `task` of a grid of (row blocks of `step` rows) × (blocks of kColBlock output columns).
struct Tile {
  int64_t r0, r1, c0, c1;
  Tile(int64_t task, int64_t step, int64_t rows, int64_t k) {
    const int64_t col_blocks = ceil_div(k, kColBlock);
    r0 = (task / col_blocks) * step;
    r1 = std::min(rows, r0 + step);
    c0 = (task % col_blocks) * kColBlock;
    c1 = std::min(k, c0 + kColBlock);
  }
  static int64_t count(int64_t step, int64_t rows, int64_t k) { return ceil_div(rows, step) * ceil_div(k, kColBlock); }
};

// Runs fn(tile) over the grid on the pool, the tile's output rows of out (·×k) zeroed first.
template <typename F>
void for_tiles(int64_t step, int64_t rows, int64_t k, double* out, const ExecutionContext& ctx, F&& fn) {
  parallel_for(Tile::count(step, rows, k), threads_of(ctx), [&](int64_t task, int) {
    ctx.check_cancelled();
    const Tile tile(task, step, rows, k);
    for (int64_t i = tile.r0; i < tile.r1; ++i) std::fill(out + i * k + tile.c0, out + i * k + tile.c1, 0.0);
    fn(tile);
  });
}

// Y (rows×k) = [A | bias] · M, A rows×inner row-major of type T, M (inner + [bias])×k.
template <typename T>
void multiply_rows(const T* a, int64_t rows, int64_t inner, const double* bias, const double* m, int64_t k, double* y,
                   const ExecutionContext& ctx) {
  for_tiles(kRowBlock, rows, k, y, ctx, [&](const Tile& tile) {
    const int64_t r0 = tile.r0, r1 = tile.r1, c0 = tile.c0, c1 = tile.c1;
    for (int64_t j0 = 0; j0 < inner; j0 += kInnerChunk) {
      const int64_t j1 = std::min(inner, j0 + kInnerChunk);
      for (int64_t i = r0; i < r1; ++i) {
        const T* arow = a + i * inner;
        double* __restrict yrow = y + i * k;
        for (int64_t j = j0; j < j1; ++j) axpy(static_cast<size_t>(c1 - c0), static_cast<double>(arow[j]), m + j * k + c0, yrow + c0);
      }
    }
    if (bias == nullptr) return;
    const double* mrow = m + inner * k;
    for (int64_t i = r0; i < r1; ++i) {
      double* yrow = y + i * k;
      for (int64_t c = c0; c < c1; ++c) yrow[c] += bias[i] * mrow[c];
    }
  });
}

// T ((inner + [bias])×k) = [A | bias]ᵀ · B, A rows×inner of type T, B rows×k.
template <typename T>
void transpose_times(const T* a, int64_t rows, int64_t inner, const double* bias, const double* b, int64_t k, double* t,
                     const ExecutionContext& ctx) {
  const int64_t r = inner + (bias != nullptr ? 1 : 0);
  for_tiles(kTransposeRows, r, k, t, ctx, [&](const Tile& tile) {
    const int64_t j0 = tile.r0, j1 = tile.r1, c0 = tile.c0, c1 = tile.c1;
    const int64_t w1 = std::min(j1, inner);
    for (int64_t i = 0; i < rows; ++i) {
      const double* brow = b + i * k;
      for (int64_t j = j0; j < w1; ++j) axpy(static_cast<size_t>(c1 - c0), static_cast<double>(a[i * inner + j]), brow + c0, t + j * k + c0);
      if (j1 > inner) {  // the bias row
        double* trow = t + inner * k;
        for (int64_t c = c0; c < c1; ++c) trow[c] += bias[i] * brow[c];
      }
    }
  });
}

// T (r×k) = Ãᵀ · B for k sparse columns: each column's combination of rows of Ã, then transposed.
template <typename T>
void sparse_transpose_times(const T* a, int64_t inner, const double* bias, const int32_t* indptr, const int32_t* indices,
                            const double* values, int64_t k, double* t, const ExecutionContext& ctx) {
  const int64_t r = inner + (bias != nullptr ? 1 : 0);
  std::vector<double> rows_of_t(static_cast<size_t>(k * r), 0.0);  // Tᵀ, k×r
  parallel_for(k, threads_of(ctx), [&](int64_t c, int) {
    ctx.check_cancelled();
    double* out = rows_of_t.data() + c * r;
    for (int32_t p = indptr[c]; p < indptr[c + 1]; ++p) {
      const T* arow = a + static_cast<int64_t>(indices[p]) * inner;
      const double v = values[p];
      axpy(static_cast<size_t>(inner), v, arow, out);
      if (bias != nullptr) out[inner] += v * bias[indices[p]];
    }
  });
  for (int64_t c = 0; c < k; ++c) {
    for (int64_t j = 0; j < r; ++j) t[j * k + c] = rows_of_t[static_cast<size_t>(c * r + j)];
  }
}

// out = Ã · (K · T) for T (r×k).
template <typename T>
void finish_product(const T* w, const FactoredHead& head, const double* t, int64_t k, double* out, const ExecutionContext& ctx) {
  const int64_t r = head.rank();
  std::vector<double> kt(static_cast<size_t>(r * k));
  multiply_rows<double>(head.kernel, r, r, nullptr, t, k, kt.data(), ctx);
  multiply_rows<T>(w, head.categories(), head.w.cols, head.bias, kt.data(), k, out, ctx);
}

// diag(S) by row blocks: the block of Ã packed as float64, Z = Ã_block·K with K in tiles of
// kInnerChunk/8 rows × kColBlock columns reused by the whole block, then S_ii = Σ_j Z_ij Ã_ij.
template <typename T>
void diagonal_of(const T* w, const FactoredHead& head, double* out, const ExecutionContext& ctx) {
  const int64_t rows = head.categories(), d = head.w.cols, r = head.rank();
  const double* kernel = head.kernel;
  constexpr int64_t kKernelRows = kInnerChunk / 8;
  parallel_for(ceil_div(rows, kRowBlock), threads_of(ctx), [&](int64_t task, int) {
    ctx.check_cancelled();
    const int64_t i0 = task * kRowBlock, n = std::min(rows, i0 + kRowBlock) - i0;
    std::vector<double> a(static_cast<size_t>(n * r)), z(static_cast<size_t>(n * r), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < d; ++j) a[i * r + j] = static_cast<double>(w[(i0 + i) * d + j]);
      if (head.bias != nullptr) a[i * r + d] = head.bias[i0 + i];
    }
    for (int64_t j0 = 0; j0 < r; j0 += kKernelRows) {
      const int64_t j1 = std::min(r, j0 + kKernelRows);
      for (int64_t c0 = 0; c0 < r; c0 += kColBlock) {
        const int64_t c1 = std::min(r, c0 + kColBlock);
        for (int64_t i = 0; i < n; ++i) {
          double* __restrict zi = z.data() + i * r;
          for (int64_t j = j0; j < j1; ++j) axpy(static_cast<size_t>(c1 - c0), a[i * r + j], kernel + j * r + c0, zi + c0);
        }
      }
    }
    for (int64_t i = 0; i < n; ++i) out[i0 + i] = dot(static_cast<size_t>(r), z.data() + i * r, a.data() + i * r);
  });
}

template <typename F>
void with_head(const FactoredHead& head, F&& f) {
  validate_factored(head);
  if (head.w.dtype == DType::F32) {
    f(static_cast<const float*>(head.w.data));
  } else {
    f(static_cast<const double*>(head.w.data));
  }
}

}  // namespace

void validate_factored(const FactoredHead& head) {
  if (head.w.data == nullptr || head.w.rows < 1 || head.w.cols < 1) {
    throw Error(ErrorCode::ShapeMismatch, "the head must have at least one row and one column");
  }
  if (head.kernel == nullptr) throw Error(ErrorCode::ShapeMismatch, "the factored covariance has no feature moments");
}

void factored_times_dense(const FactoredHead& head, const double* b, int64_t k, double* out, const ExecutionContext& ctx) {
  if (k < 0) throw Error(ErrorCode::ShapeMismatch, "negative number of columns");
  with_head(head, [&](const auto* w) {
    std::vector<double> t(static_cast<size_t>(head.rank() * k));
    transpose_times(w, head.categories(), head.w.cols, head.bias, b, k, t.data(), ctx);
    finish_product(w, head, t.data(), k, out, ctx);
  });
  ctx.report(1.0);
}

void factored_times_sparse(const FactoredHead& head, const int32_t* indptr, const int32_t* indices, const double* values,
                           int64_t k, double* out, const ExecutionContext& ctx) {
  if (k < 0 || indptr[0] != 0) throw Error(ErrorCode::ShapeMismatch, "sparse columns must start at 0");
  for (int64_t c = 0; c < k; ++c) {
    if (indptr[c + 1] < indptr[c]) throw Error(ErrorCode::ShapeMismatch, "sparse column pointers must not decrease");
  }
  for (int32_t p = 0; p < indptr[k]; ++p) {
    if (indices[p] < 0 || indices[p] >= head.categories()) {
      throw Error(ErrorCode::ShapeMismatch, "sparse row index " + std::to_string(indices[p]) + " outside 0.." +
                                                std::to_string(head.categories() - 1));
    }
  }
  with_head(head, [&](const auto* w) {
    std::vector<double> t(static_cast<size_t>(head.rank() * k));
    sparse_transpose_times(w, head.w.cols, head.bias, indptr, indices, values, k, t.data(), ctx);
    finish_product(w, head, t.data(), k, out, ctx);
  });
  ctx.report(1.0);
}

void factored_diagonal(const FactoredHead& head, double* out, const ExecutionContext& ctx) {
  with_head(head, [&](const auto* w) { diagonal_of(w, head, out, ctx); });
  ctx.report(1.0);
}

}  // namespace covlasso
