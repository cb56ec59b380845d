// The working set of one target: choosing W, packing it, sweeping it (see working_set.hpp).
#include "working_set.hpp"

#include <algorithm>

#include "vector_ops.hpp"

namespace covlasso {

namespace {

// Violators added per round besides the current non-zeros: enough to grow quickly, few enough
// that the packed working set stays small (its cost per sweep is |W| per changed coordinate).
// 20 rather than 10 with the relative inner gap of lasso_target.cpp: head logits at C = 2000 end
// with ~95 sources, and 20 saved rounds there (12.7k vs 13.3k) with as many sweeps; 50 cost
// more sweeps than it saved rounds (bench/RESULTS.md, issue #10).
constexpr size_t kMinWorkingGrowth = 20;

}  // namespace

// W = non-zeros ∪ unpenalised coordinates ∪ the strongest candidates: KKT violators at λ₁, or,
// in the first round along a path, coordinates in the sequential strong set (violating at
// strong_l1 = 2λ₁ − λ₁_prev, from the previous λ's solution). Candidates are ranked by
// |g_j|/w_j and at most max(kMinWorkingGrowth, |non-zeros|) join per round: on correlation-like
// matrices the strong set is large and mostly inactive, and packing it costs |W|².
void WorkingSet::choose(const Penalty& pen, double strong_l1, const TargetPoint& target) {
  indices_.clear();
  candidates_.clear();
  const double threshold = std::min(pen.l1, strong_l1);
  const int64_t p = p_;
  for (int64_t j = 0; j < p; ++j) {
    const bool movable = j != target.exclude && diag_[j] + pen.l2 > 0;
    const double w = pen.weight(j);
    if (target.beta[j] != 0 || (movable && w == 0)) {
      indices_.push_back(static_cast<int32_t>(j));
      continue;
    }
    if (!movable) continue;
    const double excess = (pen.violation(target.s[j] - target.q[j], j) + pen.l1 * w) / w - threshold;  // β_j = 0
    if (excess > 0) candidates_.emplace_back(-excess, static_cast<int32_t>(j));
  }
  const size_t take = std::min(candidates_.size(), std::max(kMinWorkingGrowth, indices_.size()));
  std::partial_sort(candidates_.begin(), candidates_.begin() + take, candidates_.end());
  for (size_t k = 0; k < take; ++k) indices_.push_back(candidates_[k].second);
  std::sort(indices_.begin(), indices_.end());
  pack(pen, target);
}

// G_WW is read from G row by row (dense: |W| scattered reads per row, about as costly as reading
// the rows whole; factored: O(r) per entry), except for the entries the previous pack already
// holds: consecutive working sets of a target (and along a path, of consecutive λ) mostly share
// their coordinates, and G is the same for every target, so only the rows and columns of new
// coordinates are read. Every entry is G's value for its pair of coordinates whichever way it is
// read (gram_access.hpp), so a pack does not depend on the packs before it, nor the results on
// which thread solved which target before.
void WorkingSet::pack(const Penalty& pen, const TargetPoint& target) {
  const size_t w = indices_.size();
  packed_ = w <= kMaxPackedWorkingSet;
  if (packed_) {
    // Positions in the previous pack (empty when there was none): both index lists ascending.
    previous_position_.assign(w, -1);
    size_t o = 0;
    for (size_t a = 0; a < w; ++a) {
      while (o < previous_indices_.size() && previous_indices_[o] < indices_[a]) ++o;
      if (o < previous_indices_.size() && previous_indices_[o] == indices_[a]) previous_position_[a] = static_cast<int64_t>(o);
    }
    gram_w_.swap(previous_gram_);
    gram_w_.resize(w * w);
    const size_t wo = previous_indices_.size();
    for (size_t a = 0; a < w; ++a) {
      const int64_t ao = previous_position_[a];
      double* out = &gram_w_[a * w];
      if (ao < 0) {
        gram_->block(&indices_[a], 1, indices_.data(), w, out);
        continue;
      }
      const double* old = &previous_gram_[static_cast<size_t>(ao) * wo];
      for (size_t b = 0; b < w; ++b) {
        const int64_t bo = previous_position_[b];
        out[b] = bo >= 0 ? old[bo] : gram_->entry(indices_[a], indices_[b]);
      }
    }
    previous_indices_ = indices_;
  } else {
    gram_w_.clear();
    previous_indices_.clear();
  }
  s_w_.resize(w), q_w_.resize(w), beta_w_.resize(w), diag_w_.resize(w), weights_w_.resize(w);
  for (size_t a = 0; a < w; ++a) {
    const int32_t j = indices_[a];
    s_w_[a] = target.s[j];
    q_w_[a] = target.q[j];
    beta_w_[a] = target.beta[j];
    diag_w_[a] = diag_[j];
    weights_w_[a] = pen.weight(j);
  }
  packed_penalty_ = pen;
  packed_penalty_.weights = weights_w_.data();
  d_ = target.d;
}

size_t WorkingSet::nonzeros() const {
  size_t n = 0;
  for (double x : beta_w_) n += x != 0;
  return n;
}

bool WorkingSet::sweep() {
  const size_t w = indices_.size();
  bool signs_changed = false;
  for (size_t a = 0; a < w; ++a) {
    const double old = beta_w_[a];
    const double z = s_w_[a] - q_w_[a] + diag_w_[a] * old;
    const double next = packed_penalty_.coordinate_minimum(z, diag_w_[a], a);
    if (next == old) continue;
    signs_changed |= (next > 0) != (old > 0) || (next < 0) != (old < 0);
    const double delta = next - old;
    beta_w_[a] = next;
    add_row(a, delta, q_w_.data());
  }
  return signs_changed;
}

double WorkingSet::gram_entry(size_t a, size_t b) const {
  return packed_ ? gram_w_[a * indices_.size() + b] : gram_->entry(indices_[a], indices_[b]);
}

void WorkingSet::add_row(size_t a, double factor, double* q) const {
  const size_t w = indices_.size();
  if (packed_) {
    axpy(w, factor, &gram_w_[a * w], q);
    return;
  }
  row_.resize(w);
  gram_->block(&indices_[a], 1, indices_.data(), w, row_.data());
  for (size_t b = 0; b < w; ++b) q[b] += factor * row_[b];
}

Certificate WorkingSet::certificate(const double* beta, const double* q) const {
  return certify(indices_.size(), beta, q, s_w_.data(), diag_w_.data(), d_, packed_penalty_, -1);
}

bool WorkingSet::accept(std::vector<double>& beta, std::vector<double>& q, bool allow_equal) {
  const double next = certificate(beta.data(), q.data()).objective;
  const double now = certificate().objective;
  if (!(next < now || (allow_equal && next <= now))) return false;
  beta_w_.swap(beta);
  q_w_.swap(q);
  return true;
}

bool WorkingSet::offer(std::vector<double>& beta) {
  const size_t w = indices_.size();
  if (packed_penalty_.positive) {
    for (double& v : beta) v = std::max(v, 0.0);
  }
  offer_q_.assign(w, 0.0);
  for (size_t a = 0; a < w; ++a) {
    if (beta[a] != 0) add_row(a, beta[a], offer_q_.data());
  }
  return accept(beta, offer_q_, false);
}

void WorkingSet::store(double* beta) const {
  for (size_t a = 0; a < indices_.size(); ++a) beta[indices_[a]] = beta_w_[a];
}

}  // namespace covlasso
