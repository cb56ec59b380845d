// The CUDA lasso's steps (native/cuda/lasso_steps.cuh) run on the host, for testing the driver
// and the steps without a GPU: a LassoExecutor whose memory is host memory and whose "kernels"
// call the same per-target functions in loops, with the lanes of a warp either a single lane
// (the sequential algorithm) or real threads meeting at barriers (which exercises the lane
// decomposition: strided loops, reductions, the sync() placement). The sweep stages its working
// set through a "shared" buffer exactly as the CUDA kernel does when it fits.
#pragma once

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "lasso_executor.hpp"
#include "lasso_steps.cuh"

namespace covlasso {
namespace cuda {
namespace testing {

// count lanes as threads; the lanes of one run share this.
class LaneGroup {
 public:
  explicit LaneGroup(int n) : doubles_(n), ints_(n), mins_(n), n_(n) {}
  int size() const { return n_; }
  void barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    const long generation = generation_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
  }
  std::vector<double> doubles_;
  std::vector<int> ints_;
  std::vector<MinIndex> mins_;

 private:
  int n_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  long generation_ = 0;
};

struct ThreadLanes {
  LaneGroup* group;
  int id;
  int lane() const { return id; }
  int count() const { return group->size(); }
  void sync() const { group->barrier(); }
  double sum(double v) const {
    group->doubles_[id] = v;
    group->barrier();
    double s = 0;
    for (int i = 0; i < count(); ++i) s += group->doubles_[i];
    group->barrier();
    return s;
  }
  double max(double v) const {
    group->doubles_[id] = v;
    group->barrier();
    double s = group->doubles_[0];
    for (int i = 1; i < count(); ++i) s = std::fmax(s, group->doubles_[i]);
    group->barrier();
    return s;
  }
  int sum_int(int v) const {
    group->ints_[id] = v;
    group->barrier();
    int s = 0;
    for (int i = 0; i < count(); ++i) s += group->ints_[i];
    group->barrier();
    return s;
  }
  MinIndex min_index(double v, int i) const {
    group->mins_[id] = MinIndex{v, i};
    group->barrier();
    MinIndex r = group->mins_[0];
    for (int l = 1; l < count(); ++l) r = min_of(r, group->mins_[l]);
    group->barrier();
    return r;
  }
  int prefix(bool flag, int* total) const {
    group->ints_[id] = flag ? 1 : 0;
    group->barrier();
    int before = 0, all = 0;
    for (int l = 0; l < count(); ++l) {
      if (l < id) before += group->ints_[l];
      all += group->ints_[l];
    }
    group->barrier();
    *total = all;
    return before;
  }
  void atomic_add(int* p, int v) const { __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
};

// Runs f(lanes) as `lanes` cooperating lanes (1: on this thread, with SingleLane).
class LaneRunner {
 public:
  explicit LaneRunner(int lanes) : lanes_(lanes) {}
  template <class F>
  void run(const F& f) const {
    if (lanes_ == 1) {
      f(SingleLane{});
      return;
    }
    LaneGroup group(lanes_);
    std::vector<std::thread> threads;
    for (int id = 1; id < lanes_; ++id) threads.emplace_back([&, id] { f(ThreadLanes{&group, id}); });
    f(ThreadLanes{&group, 0});
    for (auto& t : threads) t.join();
  }
  int lanes() const { return lanes_; }

 private:
  int lanes_;
};

class EmulatedExecutor final : public LassoExecutor {
 public:
  // free_bytes: what free_memory() starts from (small values force chunks and scratch groups).
  EmulatedExecutor(int lanes, size_t free_bytes, int64_t shared_limit = 1 << 30)
      : runner_(lanes), free_(free_bytes), shared_limit_(shared_limit) {}
  ~EmulatedExecutor() override {
    for (auto& e : sizes_) std::free(e.first);
  }

  void* alloc(size_t bytes) override {
    if (bytes > free_memory()) throw Error(ErrorCode::BackendUnavailable, "emulated device out of memory");
    void* p = std::calloc(1, bytes + 8);  // never handed out zeroed by contract; calloc keeps runs reproducible
    sizes_[p] = bytes;
    used_ += bytes;
    return p;
  }
  void release(void* p) override {
    used_ -= sizes_.at(p);
    sizes_.erase(p);
    std::free(p);
  }
  size_t free_memory() override { return used_ < free_ ? free_ - used_ : 0; }
  void upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void zero(void* dst, size_t bytes) override { std::memset(dst, 0, bytes); }

  void init_targets(const SolverConstants& c, const ChunkArrays& a, int64_t n, const double* cross, int64_t m) override {
    for (int64_t k = 0; k < n; ++k) runner_.run([&](const auto& L) { init_target(L, c, a, k, cross, m); });
  }
  void scatter(const SolverConstants& c, const ChunkArrays& a, int64_t n, const int32_t* k, const int32_t* j,
               const double* values, int64_t count) override {
    for (int64_t e = 0; e < count; ++e) a.beta[k[e] * c.p + j[e]] = values[e];
    for (int64_t t = 0; t < n; ++t) runner_.run([&](const auto& L) { build_support(L, c, a, t); });
  }
  void begin_lambda(const SolverConstants& c, const ChunkArrays& a, int64_t n, double value, bool relative) override {
    for (int64_t k = 0; k < n; ++k) runner_.run([&](const auto& L) { covlasso::cuda::begin_lambda(L, c, a, k, value, relative); });
  }
  void refresh(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, int64_t n) override {
    for (int64_t i = 0; i < n; ++i) {
      runner_.run([&](const auto& L) {
        for (int64_t i0 = 0; i0 < c.p; i0 += L.count()) refresh_columns(L, c, a, list[i], i0);
      });
    }
  }
  void certify_and_select(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, int64_t n) override {
    for (int64_t i = 0; i < n; ++i) runner_.run([&](const auto& L) { certify_target(L, c, a, list[i]); });
    std::vector<int> hist(256);
    for (int64_t i = 0; i < n; ++i) runner_.run([&](const auto& L) { select_working_set(L, c, a, list[i], hist.data()); });
  }
  void pack(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets, int64_t n,
            double* scratch) override {
    for (int64_t i = 0; i < n; ++i) {
      const WorkingScratch v = carve_scratch(scratch + offsets[i], a.state[list[i]].w);
      runner_.run([&](const auto& L) { pack_target(L, c, a, list[i], v); });
    }
  }
  void sweep(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets, int64_t n,
             double* scratch, int64_t w_max, int64_t max_sweeps) override {
    ++sweep_launches;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t w = a.state[list[i]].w;
      const WorkingScratch home = carve_scratch(scratch + offsets[i], w);
      if (w > w_max) throw Error(ErrorCode::Internal, "sweep launch with a working set above its bucket");
      if (w > shared_limit_) {
        runner_.run([&](const auto& L) { sweep_target(L, c, a, list[i], home, max_sweeps); });
        continue;
      }
      std::vector<double> shared(static_cast<size_t>(shared_doubles(w_max)) + 1);
      runner_.run([&](const auto& L) {
        const WorkingScratch staged = stage_in(L, home, w, shared.data());
        sweep_target(L, c, a, list[i], staged, max_sweeps);
        stage_out(L, staged, home, w);
      });
    }
  }
  void end_lambda(const SolverConstants& c, const ChunkArrays& a, int64_t n) override {
    for (int64_t k = 0; k < n; ++k) runner_.run([&](const auto& L) { covlasso::cuda::end_lambda(L, c, a, k); });
  }
  void export_coef(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets, int64_t n,
                   int32_t* indices, double* values) override {
    for (int64_t i = 0; i < n; ++i) {
      runner_.run([&](const auto& L) { export_target(L, c, a, list[i], offsets[i], indices, values); });
    }
  }
  int bucket(int64_t w) const override { return w > shared_limit_ ? 1 : 0; }

  int sweep_launches = 0;

 private:
  LaneRunner runner_;
  size_t free_;
  size_t used_ = 0;
  int64_t shared_limit_;
  std::map<void*, size_t> sizes_;
};

}  // namespace testing
}  // namespace cuda
}  // namespace covlasso
