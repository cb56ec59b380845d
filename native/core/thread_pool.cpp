#include "thread_pool.hpp"

#if defined(__linux__)
#include <sched.h>
#endif

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "errors.hpp"

namespace covlasso {

void throw_if_cancelled(const CancelFlag* cancel) {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    throw Error(ErrorCode::Aborted, "the operation was aborted");
  }
}

namespace {

// CPUs in this thread's affinity mask (what `taskset`, `docker --cpuset-cpus` and cgroup
// cpusets allow), or 0 when it cannot be read. libstdc++'s hardware_concurrency() counts the
// online CPUs instead, so under `taskset -c 0` on a 2-core machine it said 2. The same count
// as Node's os.availableParallelism() (libuv reads the same mask).
int affinity_threads() {
#if defined(__linux__)
  // A fixed cpu_set_t holds 1024 CPUs; larger machines need a bigger set (EINVAL otherwise).
  for (int cpus = CPU_SETSIZE; cpus <= (1 << 16); cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(cpus);
    if (set == nullptr) return 0;
    const size_t size = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(size, set);
    const int rc = sched_getaffinity(0, size, set);
    const int count = rc == 0 ? CPU_COUNT_S(size, set) : 0;
    CPU_FREE(set);
    if (rc == 0) return count;
    if (errno != EINVAL) return 0;
  }
#endif
  return 0;
}

}  // namespace

int hardware_threads() {
  const int allowed = affinity_threads();
  if (allowed > 0) return allowed;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int resolve_threads(int requested) {
  constexpr int kMaxThreads = 256;
  if (requested <= 0) return hardware_threads();
  return requested > kMaxThreads ? kMaxThreads : requested;
}

namespace {

// One parallel_for call: tasks claimed from `next`, slots claimed from `next_slot`.
struct Job {
  int64_t n_tasks;
  int threads;
  const std::function<void(int64_t, int)>* fn;
  std::atomic<int64_t> next{0};
  std::atomic<int> next_slot{1};  // slot 0 is the caller's
  std::mutex mutex;
  std::condition_variable done_cv;
  int running_helpers = 0;
  std::exception_ptr error;

  void run_slot(int slot) {
    for (;;) {
      const int64_t task = next.fetch_add(1, std::memory_order_relaxed);
      if (task >= n_tasks) return;
      try {
        (*fn)(task, slot);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next.store(n_tasks, std::memory_order_relaxed);  // stop handing out work
        return;
      }
    }
  }
};

class Pool {
 public:
  // Never destroyed: worker threads must not be joined during static destruction, when
  // an addon may be unloaded from under them.
  static Pool& instance() {
    static Pool* pool = new Pool();
    return *pool;
  }

  // Makes sure at least `count` worker threads exist, then queues `count` tickets for the job.
  void submit(const std::shared_ptr<Job>& job, int count) {
    std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int>(workers_) < count) {
      std::thread(&Pool::worker_loop, this).detach();
      ++workers_;
    }
    for (int i = 0; i < count; ++i) queue_.push_back(job);
    cv_.notify_all();
  }

 private:
  void worker_loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      run_ticket(*job);
    }
  }

  static void run_ticket(Job& job) {
    {
      std::lock_guard<std::mutex> lock(job.mutex);
      if (job.next.load() >= job.n_tasks) return;  // nothing left: do not take a slot
      ++job.running_helpers;
    }
    const int slot = job.next_slot.fetch_add(1);
    if (slot < job.threads) job.run_slot(slot);
    std::lock_guard<std::mutex> lock(job.mutex);
    if (--job.running_helpers == 0) job.done_cv.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  size_t workers_ = 0;
};

}  // namespace

void parallel_for(int64_t n_tasks, int threads, const std::function<void(int64_t, int)>& fn) {
  if (n_tasks <= 0) return;
  threads = resolve_threads(threads);
  if (threads > n_tasks) threads = static_cast<int>(n_tasks);
  if (threads == 1) {
    for (int64_t t = 0; t < n_tasks; ++t) fn(t, 0);
    return;
  }
  auto job = std::make_shared<Job>();
  job->n_tasks = n_tasks;
  job->threads = threads;
  job->fn = &fn;
  Pool::instance().submit(job, threads - 1);
  job->run_slot(0);
  std::unique_lock<std::mutex> lock(job->mutex);
  // Once the caller's slot returns, no new task is handed out; wait for helpers in flight.
  job->next.store(n_tasks);
  job->done_cv.wait(lock, [&] { return job->running_helpers == 0; });
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace covlasso
