// The working set of one CovLasso target (part of the CPU solver, lasso_target.hpp): which
// coordinates the inner sweeps run on, and those coordinates' data packed densely.
//
// W = the current non-zeros, the unpenalised coordinates, and the strongest KKT violators (or,
// in the first round along a path, the sequential strong set). Packing G_WW, s_W, q_W = (Gβ)_W,
// β_W, the diagonal and the weights into contiguous arrays keeps the inner loop cache resident:
// a sweep costs |W| per changed coordinate instead of p. The other units of the solver
// (AndersonHistory, SupportStep) work on this packed point; the result goes back into the full
// β with store().
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "gram_access.hpp"
#include "lasso_penalty.hpp"

namespace covlasso {

// One target's full-length vectors (p values each), as TargetSolver holds them.
struct TargetPoint {
  const double* s;     // cross moments s_t
  const double* q;     // Gβ
  const double* beta;  // β
  double d;            // the target's variance
  int64_t exclude;     // the coordinate held at 0, or −1
};

class WorkingSet {
 public:
  // gram (its solver's access to G, p×p) and diag (G_jj, LassoProblem::gram_diagonal) outlive
  // the working set.
  WorkingSet(GramAccess& gram, const double* diag, int64_t p) : gram_(&gram), diag_(diag), p_(p) {}

  // Chooses W for the target at `pen` and packs it. Candidates are coordinates violating their
  // KKT condition at min(λ₁, strong_l1) (strong_l1 = 2λ₁ − λ₁_prev in a path's first round,
  // else HUGE_VAL).
  void choose(const Penalty& pen, double strong_l1, const TargetPoint& target);

  size_t size() const { return indices_.size(); }
  bool empty() const { return indices_.empty(); }
  // The coordinates of G in W, ascending (position a in the packed arrays is indices()[a]).
  const std::vector<int32_t>& indices() const { return indices_; }
  // The penalty with its weights indexed by position in W.
  const Penalty& penalty() const { return packed_penalty_; }
  const double* s() const { return s_w_.data(); }
  const double* q() const { return q_w_.data(); }
  const double* beta() const { return beta_w_.data(); }
  size_t nonzeros() const;

  // One cyclic coordinate-descent pass over W, keeping q_W up to date. Returns whether some
  // coordinate changed sign (or left or reached zero).
  bool sweep();

  // G_{W[a], W[b]}, and q += factor · G_{W, W[a]}: from the packed block, or gathered from G
  // when W is too large to pack (memory stays O(p) per thread).
  double gram_entry(size_t a, size_t b) const;
  void add_row(size_t a, double factor, double* q) const;

  // The certificate of W's own subproblem at a packed point (beta, q = G_WW beta), or at the
  // current one.
  Certificate certificate(const double* beta, const double* q) const;
  Certificate certificate() const { return certificate(beta(), q()); }

  // Takes the candidate point (beta, q) if it lowers the objective on W (or keeps it equal,
  // when allowed); the old point is handed back in the candidate's buffers.
  bool accept(std::vector<double>& beta, std::vector<double>& q, bool allow_equal);
  // A candidate β_W from outside the sweeps (Anderson): projected on β ≥ 0 when positive, its
  // q_W computed from scratch, then accept()ed.
  bool offer(std::vector<double>& beta);

  // Writes β_W back into the full β.
  void store(double* beta) const;

 private:
  void pack(const Penalty& pen, const TargetPoint& target);

  GramAccess* gram_;  // dense (float32 or float64) or factored
  const double* diag_;
  int64_t p_ = 0;
  double d_ = 0;
  std::vector<int32_t> indices_;                        // coordinates in W, ascending
  std::vector<std::pair<double, int32_t>> candidates_;  // (−excess, j) for choose
  // G_WW is packed only up to this size (8 MiB per thread); larger working sets read G's rows.
  static constexpr size_t kMaxPackedWorkingSet = 1024;
  bool packed_ = true;
  Penalty packed_penalty_;
  std::vector<double> gram_w_, s_w_, q_w_, beta_w_, diag_w_, weights_w_;
  // The previous pack (pack() reuses its entries; none after an unpacked W): its coordinates
  // and G block, and for each position of W its position there (−1: new).
  std::vector<int32_t> previous_indices_;
  std::vector<double> previous_gram_;
  std::vector<int64_t> previous_position_;
  std::vector<double> offer_q_;
  mutable std::vector<double> row_;  // one row of G_{W,W} when W is not packed
};

}  // namespace covlasso
