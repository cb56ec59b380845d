// The package's own bounded thread pool (independent of libuv's 4 threads).
//
// parallel_for(n, threads, fn) runs fn(task, slot) for task in [0, n) on at most `threads`
// threads (the caller included, as slot 0). Tasks are handed out dynamically; `slot` is a
// stable index in [0, threads) so callers can give each slot its own workspace. Several
// parallel_for calls from different threads may run at once and share the workers.
// The first exception thrown by fn is rethrown in the caller after all slots stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace covlasso {

using CancelFlag = std::atomic<bool>;

// Throws Error(Aborted) when the flag is set. A null flag never aborts.
void throw_if_cancelled(const CancelFlag* cancel);

// Number of hardware threads this process may run on (at least 1): the CPUs of the affinity
// mask on Linux (sched_getaffinity), else std::thread::hardware_concurrency().
int hardware_threads();

// Resolve a user's thread request: <= 0 means "all hardware threads" (hardware_threads()).
int resolve_threads(int requested);

void parallel_for(int64_t n_tasks, int threads, const std::function<void(int64_t task, int slot)>& fn);

}  // namespace covlasso
