#include "moments.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <utility>


namespace covlasso {

namespace {

void require(bool ok, ErrorCode code, const std::string& message) {
  if (!ok) throw Error(code, message);
}

void check_view(const MatrixView& m, const char* name) {
  require(m.rows >= 0 && m.cols >= 0, ErrorCode::InvalidArgument,
          std::string(name) + " has negative dimensions");
  require(m.data != nullptr || m.rows * m.cols == 0, ErrorCode::InvalidArgument,
          std::string(name) + " has no data");
}

}  // namespace

MomentAccumulator::MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric)
    : MomentAccumulator(cols_x, cols_y, symmetric, nullptr) {}

MomentAccumulator::MomentAccumulator(int64_t cols_x, int64_t cols_y, bool symmetric,
                                     double* external_moment)
    : ext_(external_moment), cols_x_(cols_x), cols_y_(cols_y), symmetric_(symmetric) {
  require(cols_x >= 0 && cols_y >= 0, ErrorCode::InvalidArgument, "column counts must be >= 0");
  require(!symmetric || cols_x == cols_y, ErrorCode::InvalidArgument,
          "a symmetric accumulator needs cols_x == cols_y");
  require(cols_y == 0 || cols_x <= (int64_t(1) << 40) / cols_y, ErrorCode::OutOfMemory,
          "the moment matrix is too large");
  try {
    shift_x_.assign(cols_x, 0.0);
    shift_y_.assign(cols_y, 0.0);
    sum_x_.assign(cols_x, 0.0);
    sum_y_.assign(cols_y, 0.0);
    if (ext_ == nullptr) moment_.assign(cols_x * cols_y, 0.0);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::OutOfMemory, "cannot allocate the moment matrix");
  }
}

void MomentAccumulator::check_update(const MatrixView& x, const MatrixView* y) const {
  check_view(x, "x");
  require(x.cols == cols_x_, ErrorCode::ShapeMismatch,
          "x has " + std::to_string(x.cols) + " columns, expected " + std::to_string(cols_x_));
  if (symmetric_) {
    require(y == nullptr, ErrorCode::InvalidArgument, "a symmetric accumulator takes no y");
    return;
  }
  require(y != nullptr, ErrorCode::InvalidArgument, "a cross-moment accumulator needs y");
  check_view(*y, "y");
  require(y->cols == cols_y_, ErrorCode::ShapeMismatch,
          "y has " + std::to_string(y->cols) + " columns, expected " + std::to_string(cols_y_));
  require(y->rows == x.rows, ErrorCode::ShapeMismatch,
          "x and y have different row counts (" + std::to_string(x.rows) + " and " +
              std::to_string(y->rows) + ")");
}

void MomentAccumulator::set_shifts(std::vector<double> shift_x, std::vector<double> shift_y) {
  require(n_ == 0, ErrorCode::InvalidArgument, "the shifts are fixed once rows are accumulated");
  require(static_cast<int64_t>(shift_x.size()) == cols_x_ &&
              (symmetric_ || static_cast<int64_t>(shift_y.size()) == cols_y_),
          ErrorCode::ShapeMismatch, "shift vectors do not match the shape");
  shift_x_ = std::move(shift_x);
  shift_y_ = symmetric_ ? shift_x_ : std::move(shift_y);
}

void MomentAccumulator::merge(const MomentAccumulator& other) {
  require(other.cols_x_ == cols_x_ && other.cols_y_ == cols_y_, ErrorCode::ShapeMismatch,
          "cannot merge accumulators of different shapes");
  require(other.symmetric_ == symmetric_, ErrorCode::InvalidArgument,
          "cannot merge a symmetric accumulator with a cross-moment one");
  if (other.n_ == 0) return;
  if (&other == this) {
    const MomentAccumulator copy = other;
    merge(copy);
    return;
  }
  if (n_ == 0) {
    *this = other;
    return;
  }
  // other's rows relative to our shift: x − kx = (x − kx_o) + dx with dx = kx_o − kx.
  const int64_t p = cols_x_, q = cols_y_;
  const double no = static_cast<double>(other.n_);
  std::vector<double> dx(p), dy(q);
  for (int64_t i = 0; i < p; ++i) dx[i] = other.shift_x_[i] - shift_x_[i];
  for (int64_t j = 0; j < q; ++j) dy[j] = other.shift_y_[j] - shift_y_[j];
  for (int64_t i = 0; i < p; ++i) {
    const double* mo = other.moment_data() + i * q;
    double* m = moment_data() + i * q;
    for (int64_t j = symmetric_ ? i : 0; j < q; ++j) {
      m[j] += mo[j] + other.sum_x_[i] * dy[j] + dx[i] * other.sum_y_[j] + no * dx[i] * dy[j];
    }
  }
  for (int64_t i = 0; i < p; ++i) sum_x_[i] += other.sum_x_[i] + no * dx[i];
  for (int64_t j = 0; j < q; ++j) sum_y_[j] += other.sum_y_[j] + no * dy[j];
  n_ += other.n_;
}

void MomentAccumulator::result(bool center, double ddof, double* out) const {
  require(n_ > 0, ErrorCode::InvalidArgument, "no rows have been accumulated");
  require(std::isfinite(ddof), ErrorCode::InvalidArgument, "ddof must be finite");
  const double n = static_cast<double>(n_);
  require(!center || n - ddof > 0, ErrorCode::InvalidArgument,
          "ddof must be smaller than the number of rows (" + std::to_string(n_) + ")");
  require(out != nullptr || cols_x_ * cols_y_ == 0, ErrorCode::InvalidArgument, "no output buffer");
  const int64_t p = cols_x_, q = cols_y_;
  const double scale = center ? n / (n - ddof) : 1.0;
  const double* moment = moment_data();  // may be out itself (covariance(), cross_moments())
  for (int64_t i = 0; i < p; ++i) {
    const double* m = moment + i * q;
    const double mx = sum_x_[i] / n, kx = shift_x_[i];
    for (int64_t j = symmetric_ ? i : 0; j < q; ++j) {
      const double my = sum_y_[j] / n;
      // centered: M/n − mx·my (shift-invariant); raw: E[(x̃+kx)(ỹ+ky)] expanded.
      const double v = center ? (m[j] / n - mx * my) * scale
                              : m[j] / n + mx * shift_y_[j] + kx * my + kx * shift_y_[j];
      out[i * q + j] = v;  // in place: the upper triangle is read only before it is written
      if (symmetric_) out[j * q + i] = v;
    }
  }
}

MomentAccumulator MomentAccumulator::from_state(int64_t cols_x, int64_t cols_y, bool symmetric,
                                                int64_t count, std::vector<double> shift_x,
                                                std::vector<double> shift_y,
                                                std::vector<double> sum_x,
                                                std::vector<double> sum_y,
                                                std::vector<double> moment) {
  MomentAccumulator acc(cols_x, cols_y, symmetric);
  require(count >= 0, ErrorCode::InvalidArgument, "count must be >= 0");
  require(static_cast<int64_t>(shift_x.size()) == cols_x &&
              static_cast<int64_t>(sum_x.size()) == cols_x &&
              static_cast<int64_t>(shift_y.size()) == cols_y &&
              static_cast<int64_t>(sum_y.size()) == cols_y &&
              static_cast<int64_t>(moment.size()) == cols_x * cols_y,
          ErrorCode::ShapeMismatch, "state vectors do not match the shape");
  auto finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
  };
  require(finite(shift_x) && finite(shift_y) && finite(sum_x) && finite(sum_y),
          ErrorCode::NotFinite, "state contains NaN or Inf");
  for (int64_t i = 0; i < cols_x; ++i) {  // only the authoritative part must be finite
    for (int64_t j = symmetric ? i : 0; j < cols_y; ++j) {
      require(std::isfinite(moment[i * cols_y + j]), ErrorCode::NotFinite,
              "state contains NaN or Inf");
    }
  }
  require(!symmetric || (shift_x == shift_y && sum_x == sum_y), ErrorCode::InvalidArgument,
          "symmetric state needs shift_y == shift_x and sum_y == sum_x");
  if (count == 0) return acc;  // no rows: the state is reset (shifts are set by the first row)
  acc.n_ = count;
  acc.shift_x_ = std::move(shift_x);
  acc.shift_y_ = std::move(shift_y);
  acc.sum_x_ = std::move(sum_x);
  acc.sum_y_ = std::move(sum_y);
  acc.moment_ = std::move(moment);
  return acc;
}

}  // namespace covlasso
