// What the CUDA lasso's driver (lasso_driver.hpp) needs from a device: memory, copies, and the
// per-target steps of lasso_steps.cuh launched over a list of targets. Two implementations:
// the CUDA one (lasso_kernels.cu: one warp per target, kernels on one stream, copies ordered on
// it) and the host emulation in test/native/cuda/ (the same steps in loops), which is how the
// driver and the steps are tested on machines without a GPU. Pointers are the executor's own
// (device pointers for CUDA); lists and offsets live in its memory too.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lasso_state.cuh"

namespace covlasso {
namespace cuda {

class LassoExecutor {
 public:
  virtual ~LassoExecutor() = default;

  // Memory. alloc throws Error(BackendUnavailable) when the device is out of memory.
  virtual void* alloc(size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual size_t free_memory() = 0;
  virtual void upload(void* dst, const void* src, size_t bytes) = 0;    // ordered with the steps
  virtual void download(void* dst, const void* src, size_t bytes) = 0;  // waits for every step before it
  virtual void zero(void* dst, size_t bytes) = 0;

  // The steps, each over targets list[0..n) of the chunk (list: chunk-local indices).
  virtual void init_targets(const SolverConstants& c, const ChunkArrays& a, int64_t n, const double* cross, int64_t m) = 0;
  // β[k·p + j] = value for each (k, j, value) triple (warm starts; no (k, j) twice), then
  // every target's support list.
  virtual void scatter(const SolverConstants& c, const ChunkArrays& a, int64_t n, const int32_t* k, const int32_t* j,
                       const double* values, int64_t count) = 0;
  virtual void begin_lambda(const SolverConstants& c, const ChunkArrays& a, int64_t n, double value, bool relative) = 0;
  virtual void refresh(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, int64_t n) = 0;
  // certify, then select the working sets of those still active.
  virtual void certify_and_select(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, int64_t n) = 0;
  // offsets: each target's scratch (scratch_doubles(w) doubles) from `scratch`.
  virtual void pack(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets,
                    int64_t n, double* scratch) = 0;
  // A sweep launch for targets whose working sets are at most w_max.
  virtual void sweep(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets,
                     int64_t n, double* scratch, int64_t w_max, int64_t max_sweeps) = 0;
  virtual void end_lambda(const SolverConstants& c, const ChunkArrays& a, int64_t n) = 0;
  virtual void export_coef(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets,
                           int64_t n, int32_t* indices, double* values) = 0;

  // Sweep launches group targets by this (the CUDA executor: the shared-memory size class of
  // a working set of w coordinates).
  virtual int bucket(int64_t w) const = 0;
};

}  // namespace cuda
}  // namespace covlasso
