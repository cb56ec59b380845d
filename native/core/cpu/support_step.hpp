// Newton / active-set steps on the support of the working set (part of the CPU solver,
// lasso_target.hpp; the mathematics is in support_step.cpp).
//
// Coordinate descent converges linearly, slowly on the badly conditioned blocks real logits
// give; once the signs on W settle, solving the stationarity equations on the support directly
// (or, where the support is rank deficient, moving along a null direction until it shrinks)
// replaces that slow tail. SupportStep decides when to step (after_sweep) and takes the steps
// on the WorkingSet's packed point, keeping the Cholesky factor of the support from step to
// step and round to round (updatable_cholesky.hpp), so a step costs about one sweep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "updatable_cholesky.hpp"
#include "working_set.hpp"

namespace covlasso {

class SupportStep {
 public:
  // Forgets the factor (a new target: its support starts elsewhere).
  void reset();
  // Starts the schedule for a new round of sweeps on a freshly chosen working set (after every
  // WorkingSet::choose); the factor keeps the members still in W (W holds every non-zero, so
  // usually all of them).
  void start(const WorkingSet& ws);
  // Called after every sweep: tries a step once the signs have held for kSettledSweeps sweeps,
  // unless the last one was refused since they last changed, at most every kSettledSweeps sweeps.
  void after_sweep(WorkingSet& ws, bool signs_changed);
  // Active-set steps on ws's point: Newton steps to the sign-fixed minimiser, each stopped
  // where a coordinate reaches zero (which then leaves the support), and null-direction ray
  // steps where the support is rank deficient, up to kMaxPivots of them or until a Newton step
  // lands. Returns whether the point moved.
  bool try_step(WorkingSet& ws);

 private:
  bool sync_factor(WorkingSet& ws, size_t& dependent);
  bool step_towards(WorkingSet& ws, const double* target, bool& blocked);
  bool ray_step(WorkingSet& ws, const double* direction);
  void start_candidate(const WorkingSet& ws);
  void move_candidate(const WorkingSet& ws, size_t i, double next);

  void attach(const WorkingSet& ws);
  void remove_member(size_t k);

  static constexpr int kSettledSweeps = 3;
  static constexpr size_t kMaxNewtonSupport = 600;
  int settled_ = 0;            // consecutive sweeps without a sign change on W
  bool failed_ = false;        // a step was refused since the last sign change
  int64_t since_step_ = 0;     // sweeps since the last step
  // The factor of (G + λ₂I) on the support, kept across the steps and rounds of one target (its
  // keys are coordinates of G; positions_ are theirs in the current W, member_[a]: position a
  // is in it).
  UpdatableCholesky factor_;
  double factor_l2_ = 0;
  std::vector<size_t> positions_;
  std::vector<unsigned char> member_;
  std::vector<size_t> support_;  // positions in W a step moves (the factor's keys, + one on a ray)
  std::vector<double> rhs_, solution_, column_, null_;
  std::vector<double> candidate_, candidate_q_;
};

}  // namespace covlasso
