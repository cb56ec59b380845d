// The two ways the CPU solver reads G (gram_access.hpp): dense matrices and factored covariances.
#include "gram_access.hpp"

#include <algorithm>
#include <type_traits>
#include <unordered_map>

#include "factored.hpp"
#include "vector_ops.hpp"

namespace covlasso {

namespace {

// G and the cross moments as dense p×p and p×m matrices (float32 or float64, widened exactly).
class DenseGram final : public GramAccess {
 public:
  explicit DenseGram(const LassoProblem& problem) : gram_(problem.gram), cross_(problem.cross) {}

  void cross_column(int64_t t, double* s) override {
    with_elements(cross_, [&](auto first) {
      for (int64_t j = 0; j < cross_.rows; ++j) s[j] = first[j * cross_.cols + t];
    });
  }

  // Four rows at a time (axpy4: the same sums as four axpy calls, bitwise): q is loaded and
  // stored once per four rows of G streamed from memory instead of once per row. This is the
  // solve's memory-bound part at large p (the rows come from DRAM): a float32 G halves its bytes.
  void times(const double* beta, double* q) override {
    const int64_t p = gram_.rows;
    std::fill(q, q + p, 0.0);
    with_elements(gram_, [&](auto first) {
      using Element = std::remove_const_t<std::remove_pointer_t<decltype(first)>>;
      double factors[4];
      const Element* rows[4];
      int pending = 0;
      for (int64_t j = 0; j < p; ++j) {
        const double b = beta[j];
        if (b == 0) continue;
        factors[pending] = b;
        rows[pending] = first + j * p;  // G symmetric: row j = column j
        if (++pending == 4) {
          axpy4(static_cast<size_t>(p), factors, rows, q);
          pending = 0;
        }
      }
      for (int k = 0; k < pending; ++k) axpy(static_cast<size_t>(p), factors[k], rows[k], q);
    });
  }

  void block(const int32_t* rows, size_t m, const int32_t* cols, size_t n, double* out) override {
    with_elements(gram_, [&](auto first) {
      for (size_t i = 0; i < m; ++i) {
        const auto* row = first + static_cast<int64_t>(rows[i]) * gram_.cols;
        for (size_t j = 0; j < n; ++j) out[i * n + j] = row[cols[j]];
      }
    });
  }

  double entry(int64_t i, int64_t j) override { return gram_.at(i, j); }

 private:
  MatrixView gram_, cross_;
};

// S = Ã K Ãᵀ (Ã = [W | b], C×r; K r×r): column t = Ã (K ã_t), Sβ = Ã (K (Ãᵀβ)), each O(r²) for
// the K product plus O(C·r): a refresh streams the head once, which is what bounds it at
// vocabulary scale. An entry is S_ij = u_lo · ã_hi with u_i = K ã_i and lo, hi the smaller and
// larger of i, j: the same value for (i, j) and (j, i) however it is asked for, so packs and
// results do not depend on which thread solved which target before (u_i · ã_j and u_j · ã_i
// differ by rounding). The u of recent coordinates (a working set's) are kept, O(r²) each to make.
template <typename T>
class FactoredGram final : public GramAccess {
 public:
  FactoredGram(const FactoredHead& head, const FactoredCross* cross)
      : cross_(cross),
        w_(static_cast<const T*>(head.w.data)),
        bias_(head.bias),
        kernel_(head.kernel),
        c_(head.categories()),
        d_(head.w.cols),
        r_(head.rank()),
        a_(static_cast<size_t>(r_)),
        u_(static_cast<size_t>(r_)),
        cache_limit_(std::max<size_t>(2112, kCacheDoubles / static_cast<size_t>(r_))) {}

  // Intra-model: S_{:,t} = Ã (K ã_t). Cross-model: Ã (K_ST ã_T,t), ã_T,t the target head's row.
  void cross_column(int64_t t, double* s) override {
    if (cross_ == nullptr) {
      widen_row(t, a_.data());
      apply_kernel(a_.data(), u_.data());
    } else {
      const int64_t rt = cross_->rank(), dt = cross_->w.cols;
      target_row_.resize(static_cast<size_t>(rt));
      with_elements(cross_->w, [&](auto first) {
        for (int64_t k = 0; k < dt; ++k) target_row_[k] = static_cast<double>(first[t * dt + k]);
      });
      if (cross_->bias != nullptr) target_row_[dt] = cross_->bias[t];
      for (int64_t k = 0; k < r_; ++k) u_[k] = dot(static_cast<size_t>(rt), target_row_.data(), cross_->kernel + k * rt);
    }
    head_times(u_.data(), s);
  }

  void times(const double* beta, double* q) override {
    std::fill(a_.begin(), a_.end(), 0.0);  // a = Ãᵀβ, over the non-zeros in index order
    for (int64_t j = 0; j < c_; ++j) {
      const double b = beta[j];
      if (b == 0) continue;
      axpy(static_cast<size_t>(d_), b, w_ + j * d_, a_.data());
      if (bias_ != nullptr) a_[d_] += b * bias_[j];
    }
    apply_kernel(a_.data(), u_.data());
    head_times(u_.data(), q);
  }

  void block(const int32_t* rows, size_t m, const int32_t* cols, size_t n, double* out) override {
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < n; ++j) out[i * n + j] = entry(rows[i], cols[j]);
    }
  }

  double entry(int64_t i, int64_t j) override {
    const int64_t lo = std::min(i, j), hi = std::max(i, j);
    return row_dot(hi, kernel_row(lo));
  }

 private:
  void widen_row(int64_t i, double* a) const {
    const T* row = w_ + i * d_;
    for (int64_t k = 0; k < d_; ++k) a[k] = static_cast<double>(row[k]);
    if (bias_ != nullptr) a[d_] = bias_[i];
  }
  // u_i = K ã_i, kept while fewer than cache_limit_ are (then all are dropped: a pure function
  // of i, so dropping changes no value, only time).
  const double* kernel_row(int64_t i) {
    auto found = cache_.find(i);
    if (found != cache_.end()) return found->second.data();
    if (cache_.size() >= cache_limit_) cache_.clear();
    std::vector<double>& u = cache_[i];
    u.resize(static_cast<size_t>(r_));
    widen_row(i, a_.data());
    apply_kernel(a_.data(), u.data());
    return u.data();
  }
  // u = K a (K symmetric, row-major).
  void apply_kernel(const double* a, double* u) const {
    for (int64_t k = 0; k < r_; ++k) u[k] = dot(static_cast<size_t>(r_), a, kernel_ + k * r_);
  }
  // ã_i · u.
  double row_dot(int64_t i, const double* u) const {
    double v = dot(static_cast<size_t>(d_), u, w_ + i * d_);
    if (bias_ != nullptr) v += bias_[i] * u[d_];
    return v;
  }
  // out = Ã u (C values).
  void head_times(const double* u, double* out) const {
    for (int64_t i = 0; i < c_; ++i) out[i] = row_dot(i, u);
  }

  const FactoredCross* cross_;
  std::vector<double> target_row_;
  const T* w_;
  const double* bias_;
  const double* kernel_;
  int64_t c_, d_, r_;
  std::vector<double> a_, u_;
  static constexpr size_t kCacheDoubles = size_t{8} << 20;  // 64 MiB of kept u per thread
  size_t cache_limit_;
  std::unordered_map<int64_t, std::vector<double>> cache_;
};

}  // namespace

std::unique_ptr<GramAccess> GramAccess::create(const LassoProblem& problem) {
  if (problem.factored == nullptr) return std::make_unique<DenseGram>(problem);
  const FactoredHead& head = *problem.factored;
  if (head.w.dtype == DType::F32) return std::make_unique<FactoredGram<float>>(head, problem.factored_cross);
  return std::make_unique<FactoredGram<double>>(head, problem.factored_cross);
}

}  // namespace covlasso
