// Standalone checks of native/core/factored (S = Ã K Ãᵀ, Ã = [W | b]) against a naive
// long-double reference: dense and sparse products, the diagonal, odd shapes that cross the
// tiles, float32 and float64 heads, with and without bias; bitwise the same for 1 and 3 threads;
// a raised cancel flag aborts; bad sparse columns are ShapeMismatch.
// Build (from the repository root):
//   g++ -std=c++17 -O2 -Inative/core test/native/factored_test.cpp native/core/*.cpp
//       native/core/cpu/*.cpp -o /tmp/factored_test -pthread
// Prints one line per check; exits non-zero if any failed.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "factored.hpp"
#include "checks.hpp"

using namespace covlasso;
using covlasso_test::check;

namespace {

struct Case {
  int64_t c, d;
  bool bias;
  DType dtype;
  std::vector<float> wf;
  std::vector<double> wd, b, kernel;
  FactoredHead head() const {
    FactoredHead h;
    h.w = MatrixView{dtype == DType::F32 ? static_cast<const void*>(wf.data()) : static_cast<const void*>(wd.data()), dtype, c, d};
    h.bias = bias ? b.data() : nullptr;
    h.kernel = kernel.data();
    return h;
  }
  double a(int64_t i, int64_t j) const { return j < d ? wd[i * d + j] : b[i]; }
  int64_t r() const { return d + (bias ? 1 : 0); }
  // S_ij by the definition, in long double.
  long double s(int64_t i, int64_t j) const {
    long double sum = 0;
    for (int64_t p = 0; p < r(); ++p) {
      for (int64_t q = 0; q < r(); ++q) sum += static_cast<long double>(a(i, p)) * kernel[p * r() + q] * a(j, q);
    }
    return sum;
  }
};

Case make(int64_t c, int64_t d, bool bias, DType dtype, std::mt19937_64& rng) {
  std::normal_distribution<double> g(0.0, 1.0);
  Case k{c, d, bias, dtype, {}, {}, {}, {}};
  for (int64_t i = 0; i < c * d; ++i) {
    const float v = static_cast<float>(g(rng));
    k.wf.push_back(v);
    k.wd.push_back(v);  // the same values in both dtypes
  }
  for (int64_t i = 0; i < c; ++i) k.b.push_back(g(rng));
  const int64_t r = k.r();
  std::vector<double> f(static_cast<size_t>(r * r));
  for (auto& v : f) v = g(rng);
  k.kernel.assign(static_cast<size_t>(r * r), 0.0);  // K = F Fᵀ / r: symmetric PSD
  for (int64_t i = 0; i < r; ++i) {
    for (int64_t j = 0; j < r; ++j) {
      double s = 0;
      for (int64_t p = 0; p < r; ++p) s += f[i * r + p] * f[j * r + p];
      k.kernel[i * r + j] = s / r;
    }
  }
  return k;
}

bool throws(ErrorCode code, const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code() == code;
  }
  return false;
}

}  // namespace

int main() {
  std::mt19937_64 rng(7);
  const int64_t shapes[][2] = {{1, 1}, {5, 3}, {40, 9}, {70, 300}, {300, 17}};
  for (auto& shape : shapes) {
    for (DType dtype : {DType::F32, DType::F64}) {
      for (bool bias : {false, true}) {
        const Case k = make(shape[0], shape[1], bias, dtype, rng);
        const FactoredHead head = k.head();
        const int64_t c = k.c, cols = 3;
        const std::string name = std::to_string(c) + "x" + std::to_string(k.d) + (dtype == DType::F32 ? " f32" : " f64") + (bias ? " bias" : "");
        // Dense B (C×3) and its product by the reference.
        std::vector<double> bmat(static_cast<size_t>(c * cols)), want(static_cast<size_t>(c * cols), 0.0);
        std::normal_distribution<double> g(0.0, 1.0);
        for (auto& v : bmat) v = g(rng);
        double scale = 0;
        std::vector<long double> srow(static_cast<size_t>(c));
        for (int64_t i = 0; i < c; ++i) {
          for (int64_t j = 0; j < c; ++j) srow[j] = k.s(i, j);
          for (int64_t q = 0; q < cols; ++q) {
            long double sum = 0;
            for (int64_t j = 0; j < c; ++j) sum += srow[j] * bmat[j * cols + q];
            want[i * cols + q] = static_cast<double>(sum);
            scale = std::max(scale, std::fabs(want[i * cols + q]));
          }
        }
        std::vector<double> got(static_cast<size_t>(c * cols)), got3(static_cast<size_t>(c * cols));
        ExecutionContext one, three;
        one.threads = 1;
        three.threads = 3;
        factored_times_dense(head, bmat.data(), cols, got.data(), one);
        factored_times_dense(head, bmat.data(), cols, got3.data(), three);
        double err = 0;
        for (size_t p = 0; p < got.size(); ++p) err = std::max(err, std::fabs(got[p] - want[p]));
        check(err <= 1e-12 * std::max(scale, 1.0), name + ": S·B matches the reference (" + std::to_string(err / std::max(scale, 1.0)) + ")");
        check(std::memcmp(got.data(), got3.data(), got.size() * sizeof(double)) == 0, name + ": S·B is bitwise the same on 1 and 3 threads");
        // The same B as sparse columns (every entry stored).
        std::vector<int32_t> indptr, indices;
        std::vector<double> values;
        indptr.push_back(0);
        for (int64_t q = 0; q < cols; ++q) {
          for (int64_t j = 0; j < c; ++j) {
            indices.push_back(static_cast<int32_t>(j));
            values.push_back(bmat[j * cols + q]);
          }
          indptr.push_back(static_cast<int32_t>(indices.size()));
        }
        std::vector<double> sparse(static_cast<size_t>(c * cols));
        factored_times_sparse(head, indptr.data(), indices.data(), values.data(), cols, sparse.data(), three);
        err = 0;
        for (size_t p = 0; p < got.size(); ++p) err = std::max(err, std::fabs(sparse[p] - want[p]));
        check(err <= 1e-12 * std::max(scale, 1.0), name + ": sparse S·B matches the reference");
        std::vector<double> diag(static_cast<size_t>(c));
        factored_diagonal(head, diag.data(), three);
        err = 0;
        double dscale = 0;
        for (int64_t i = 0; i < c; ++i) {
          const double s = static_cast<double>(k.s(i, i));
          err = std::max(err, std::fabs(diag[i] - s));
          dscale = std::max(dscale, std::fabs(s));
        }
        check(err <= 1e-12 * std::max(dscale, 1.0), name + ": diagonal matches the reference");
      }
    }
  }
  // Cancel, bad sparse columns, an empty head.
  const Case k = make(50, 20, true, DType::F32, rng);
  const FactoredHead head = k.head();
  CancelFlag flag{true};
  ExecutionContext cancelled;
  cancelled.cancel = &flag;
  std::vector<double> out(50), b(50, 1.0);
  check(throws(ErrorCode::Aborted, [&] { factored_times_dense(head, b.data(), 1, out.data(), cancelled); }), "a raised cancel flag aborts S·B");
  check(throws(ErrorCode::Aborted, [&] { factored_diagonal(head, out.data(), cancelled); }), "a raised cancel flag aborts the diagonal");
  const ExecutionContext plain;
  const int32_t ptr_bad[] = {0, 2, 1};
  const int32_t idx[] = {0, 1};
  const double val[] = {1, 1};
  std::vector<double> out2(100);
  check(throws(ErrorCode::ShapeMismatch, [&] { factored_times_sparse(head, ptr_bad, idx, val, 2, out2.data(), plain); }), "decreasing column pointers are ShapeMismatch");
  const int32_t ptr[] = {0, 2};
  const int32_t idx_bad[] = {0, 50};
  check(throws(ErrorCode::ShapeMismatch, [&] { factored_times_sparse(head, ptr, idx_bad, val, 1, out2.data(), plain); }), "a row index past C is ShapeMismatch");
  FactoredHead empty = head;
  empty.w.rows = 0;
  check(throws(ErrorCode::ShapeMismatch, [&] { factored_diagonal(empty, out.data(), plain); }), "an empty head is ShapeMismatch");
  return covlasso_test::finish();
}
