// How a job runs, kept apart from what it computes: the thread budget, the caller's cancel flag
// and the progress callback. Every backend entry point takes one (backend.hpp).
#pragma once

#include <functional>

#include "thread_pool.hpp"

namespace covlasso {

// Called with the fraction done in [0, 1], from any thread.
using ProgressFn = std::function<void(double)>;

struct ExecutionContext {
  int threads = 0;                     // host threads of covlasso's pool (≤ 0: all hardware threads)
  const CancelFlag* cancel = nullptr;  // checked between blocks of work; null never cancels
  ProgressFn progress;                 // may be empty

  void check_cancelled() const { throw_if_cancelled(cancel); }
  void report(double fraction) const {
    if (progress) progress(fraction);
  }
};

}  // namespace covlasso
