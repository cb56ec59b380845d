// Newton / active-set steps on the support of the working set (part of the CPU solver,
// lasso_target.hpp; the mathematics is in support_step.cpp).
//
// Coordinate descent converges linearly, slowly on the badly conditioned blocks real logits
// give; once the signs on W settle, solving the stationarity equations on the support directly
// (or, where the support is rank deficient, moving along a null direction until it shrinks)
// replaces that slow tail. SupportStep decides when a step is worth its cost (after_sweep) and
// takes it on the WorkingSet's packed point, with its own scratch buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "working_set.hpp"

namespace covlasso {

class SupportStep {
 public:
  // Starts the schedule for a new round of sweeps on a freshly chosen working set.
  void start();
  // Called after every sweep: tries a step once the signs have held for kSettledSweeps sweeps,
  // unless the last one was refused since they last changed, at most every |support|/3 sweeps.
  void after_sweep(WorkingSet& ws, bool signs_changed);
  // One support step (Newton, after up to kMaxRaySteps null-direction ray steps) on ws's point.
  // Returns whether the point moved.
  bool try_step(WorkingSet& ws);

 private:
  bool step_towards(WorkingSet& ws, const double* target);
  bool ray_step(WorkingSet& ws, const double* direction);
  void start_candidate(const WorkingSet& ws);
  void move_candidate(const WorkingSet& ws, size_t i, double next);

  static constexpr int kSettledSweeps = 3;
  static constexpr size_t kMaxNewtonSupport = 600;
  int settled_ = 0;            // consecutive sweeps without a sign change on W
  bool failed_ = false;        // a step was refused since the last sign change
  int64_t since_step_ = 0;     // sweeps since the last step
  std::vector<size_t> support_;  // positions in W with β ≠ 0
  std::vector<double> system_, rhs_, solution_;
  std::vector<unsigned char> dropped_;
  std::vector<double> column_, null_;
  std::vector<double> candidate_, candidate_q_;
};

}  // namespace covlasso
