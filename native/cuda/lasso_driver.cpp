#include "lasso_driver.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <cmath>
#include <numeric>

#include "errors.hpp"

namespace covlasso {
namespace cuda {

namespace {

constexpr size_t kReserveBytes = size_t(64) << 20;   // left free for the runtime and other jobs
constexpr size_t kMaxScratchBytes = size_t(4) << 30;

// A buffer in the executor's memory, released with it.
class Buffer {
 public:
  explicit Buffer(LassoExecutor& exec) : exec_(exec) {}
  Buffer(LassoExecutor& exec, size_t bytes) : exec_(exec) { reset(bytes); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(0); }
  void reset(size_t bytes) {
    if (ptr_ != nullptr) exec_.release(ptr_);
    ptr_ = nullptr;
    bytes_ = 0;
    if (bytes > 0) ptr_ = exec_.alloc(bytes), bytes_ = bytes;
  }
  void ensure(size_t bytes) {
    if (bytes > bytes_) reset(bytes);
  }
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }

 private:
  LassoExecutor& exec_;
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

template <class T>
void upload_vector(LassoExecutor& exec, Buffer& buffer, const std::vector<T>& v) {
  buffer.ensure(std::max<size_t>(1, v.size()) * sizeof(T));
  if (!v.empty()) exec.upload(buffer.as<void>(), v.data(), v.size() * sizeof(T));
}

// One chunk of targets on the device, walked through the λ sequence.
class ChunkSolver {
 public:
  ChunkSolver(LassoExecutor& exec, const SolverConstants& c, const ChunkArrays& a, int64_t capacity,
              const ExecutionContext& ctx)
      : exec_(exec), c_(c), a_(a), ctx_(ctx), list_(exec, capacity * sizeof(int32_t)),
        offsets_(exec, capacity * sizeof(int64_t)), scratch_(exec), indices_(exec), values_(exec),
        control_(static_cast<size_t>(4 * capacity)) {}

  void set_scratch_cap(size_t bytes) { scratch_cap_ = bytes; }

  // Runs every round of the current λ for `active` (chunk-local indices); after each round,
  // on_round(fraction of them finished).
  template <class OnRound>
  void solve_lambda(std::vector<int32_t> active, bool refresh_first, const OnRound& on_round) {
    bool refresh = refresh_first;
    const double total = static_cast<double>(std::max<size_t>(1, active.size()));
    while (!active.empty()) {
      ctx_.check_cancelled();
      const int32_t* list = upload_list(active);
      if (refresh) exec_.refresh(c_, a_, list, static_cast<int64_t>(active.size()));
      refresh = true;
      exec_.certify_and_select(c_, a_, list, static_cast<int64_t>(active.size()));
      read_control();
      std::vector<int32_t> continuing;
      for (int32_t k : active) {
        if (control_[4 * k + kControlStatus] == kActive) continuing.push_back(k);
      }
      on_round(1.0 - static_cast<double>(continuing.size()) / total);
      if (continuing.empty()) break;
      solve_working_sets(continuing);
      active.swap(continuing);
    }
  }

  // The coefficients of `list` (those solved at this λ) into out[k].
  void export_coefs(const std::vector<int32_t>& list, const std::vector<TargetState>& states,
                    std::vector<SparseCoef*>& out) {
    if (list.empty()) return;
    std::vector<int64_t> offsets(list.size());
    int64_t total = 0;
    for (size_t i = 0; i < list.size(); ++i) offsets[i] = total, total += states[list[i]].nnz;
    if (total > 0) {
      indices_.ensure(total * sizeof(int32_t));
      values_.ensure(total * sizeof(double));
      const int32_t* l = upload_list(list);
      upload_vector(exec_, offsets_, offsets);
      exec_.export_coef(c_, a_, l, offsets_.as<int64_t>(), static_cast<int64_t>(list.size()), indices_.as<int32_t>(),
                        values_.as<double>());
    }
    std::vector<int32_t> idx(static_cast<size_t>(total));
    std::vector<double> val(static_cast<size_t>(total));
    if (total > 0) {
      exec_.download(idx.data(), indices_.as<int32_t>(), idx.size() * sizeof(int32_t));
      exec_.download(val.data(), values_.as<double>(), val.size() * sizeof(double));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const int64_t begin = offsets[i], end = begin + states[list[i]].nnz;
      out[i]->indices.assign(idx.begin() + begin, idx.begin() + end);
      out[i]->values.assign(val.begin() + begin, val.begin() + end);
    }
  }

 private:
  const int32_t* upload_list(const std::vector<int32_t>& list) {
    upload_vector(exec_, list_, list);
    return list_.as<int32_t>();
  }

  void read_control() { exec_.download(control_.data(), a_.control, control_.size() * sizeof(int32_t)); }

  int64_t w_of(int32_t k) const { return control_[4 * k + kControlW]; }

  // Packs and solves the working sets of `targets`, in groups whose scratch fits the cap and,
  // within a group, in launches of one size class (bucket) each.
  void solve_working_sets(std::vector<int32_t> targets) {
    std::stable_sort(targets.begin(), targets.end(), [&](int32_t a, int32_t b) {
      return exec_.bucket(w_of(a)) < exec_.bucket(w_of(b));
    });
    const size_t cap_doubles = scratch_cap_ / sizeof(double);
    size_t i = 0;
    while (i < targets.size()) {
      std::vector<int32_t> group;
      std::vector<int64_t> offsets;
      size_t used = 0;
      while (i < targets.size()) {
        const size_t need = static_cast<size_t>(scratch_doubles(w_of(targets[i])));
        if (!group.empty() && used + need > cap_doubles) break;
        group.push_back(targets[i]), offsets.push_back(static_cast<int64_t>(used));
        used += need, ++i;
      }
      scratch_.ensure(used * sizeof(double));
      exec_.pack(c_, a_, upload_list(group), upload_offsets(offsets), static_cast<int64_t>(group.size()),
                 scratch_.as<double>());
      size_t b = 0;
      while (b < group.size()) {
        const int bucket = exec_.bucket(w_of(group[b]));
        size_t e = b;
        while (e < group.size() && exec_.bucket(w_of(group[e])) == bucket) ++e;
        sweep_until_done(std::vector<int32_t>(group.begin() + b, group.begin() + e),
                         std::vector<int64_t>(offsets.begin() + b, offsets.begin() + e));
        b = e;
      }
    }
  }

  const int64_t* upload_offsets(const std::vector<int64_t>& offsets) {
    upload_vector(exec_, offsets_, offsets);
    return offsets_.as<int64_t>();
  }

  void sweep_until_done(std::vector<int32_t> list, std::vector<int64_t> offsets) {
    while (!list.empty()) {
      ctx_.check_cancelled();
      std::vector<int64_t> sizes;
      int64_t w_max = 0;
      for (int32_t k : list) sizes.push_back(w_of(k)), w_max = std::max(w_max, w_of(k));
      exec_.sweep(c_, a_, upload_list(list), upload_offsets(offsets), static_cast<int64_t>(list.size()),
                  scratch_.as<double>(), w_max, max_sweeps_per_launch(sizes));
      read_control();
      std::vector<int32_t> next_list;
      std::vector<int64_t> next_offsets;
      for (size_t i = 0; i < list.size(); ++i) {
        if (control_[4 * list[i] + kControlInnerDone] == 0) next_list.push_back(list[i]), next_offsets.push_back(offsets[i]);
      }
      list.swap(next_list);
      offsets.swap(next_offsets);
    }
  }

  LassoExecutor& exec_;
  const SolverConstants& c_;
  const ChunkArrays& a_;
  const ExecutionContext& ctx_;
  Buffer list_, offsets_, scratch_, indices_, values_;
  std::vector<int32_t> control_;
  size_t scratch_cap_ = kMaxScratchBytes;
};

size_t per_target_bytes(int64_t p) {
  return sizeof(TargetState) + 4 * sizeof(int32_t) + static_cast<size_t>(p) * (3 * sizeof(double) + 2 * sizeof(int32_t));
}

}  // namespace

int64_t max_sweeps_per_launch(const std::vector<int64_t>& sizes) {
  double work = 0;
  for (int64_t w : sizes) work += static_cast<double>(w) * static_cast<double>(w) + 64.0 * static_cast<double>(w);
  const double sweeps = work > 0 ? std::ldexp(1.0, 33) / work : 65536.0;
  return static_cast<int64_t>(std::min(65536.0, std::max(16.0, std::floor(sweeps))));
}

// Reusing the staging vector right after an upload is safe: a copy from pageable memory returns
// once the source has been read.
void upload_as_double(LassoExecutor& exec, double* dst, const MatrixView& m, int64_t slice) {
  const int64_t n = m.rows * m.cols;
  if (m.dtype == DType::F64) {
    exec.upload(dst, m.data, static_cast<size_t>(n) * sizeof(double));
    return;
  }
  std::vector<double> staging(static_cast<size_t>(std::max<int64_t>(1, std::min(n, slice))));
  const float* src = static_cast<const float*>(m.data);
  for (int64_t at = 0; at < n; at += slice) {
    const int64_t count = std::min(slice, n - at);
    for (int64_t k = 0; k < count; ++k) staging[static_cast<size_t>(k)] = src[at + k];
    exec.upload(dst + at, staging.data(), static_cast<size_t>(count) * sizeof(double));
  }
}

std::vector<SparseCoef> drive_lasso(LassoExecutor& exec, const LassoProblem& problem, const TargetBatch& batch,
                                    const LambdaSequence& lambdas, const LassoSettings& settings,
                                    const LassoResultArrays& out, const ExecutionContext& ctx) {
  const int64_t p = problem.gram.rows, m = problem.cross.cols;
  const int64_t n_lambda = static_cast<int64_t>(lambdas.values.size()), n_targets = batch.count;
  std::vector<SparseCoef> coefs(static_cast<size_t>(n_targets * n_lambda));
  if (n_targets == 0) return coefs;

  // The problem, once for every chunk.
  const size_t gram_bytes = static_cast<size_t>(p * p) * sizeof(double);
  Buffer gram(exec, gram_bytes), diag(exec, p * sizeof(double));
  upload_as_double(exec, gram.as<double>(), problem.gram);
  std::vector<double> host_diag(static_cast<size_t>(p));
  for (int64_t j = 0; j < p; ++j) host_diag[j] = problem.gram.at(j, j);
  exec.upload(diag.as<void>(), host_diag.data(), p * sizeof(double));
  Buffer weights(exec, problem.penalty_factor != nullptr ? p * sizeof(double) : 0);
  if (problem.penalty_factor != nullptr) exec.upload(weights.as<void>(), problem.penalty_factor, p * sizeof(double));
  const bool shared_cross = problem.cross.data == problem.gram.data;
  Buffer cross(exec, shared_cross ? 0 : static_cast<size_t>(p * m) * sizeof(double));
  if (!shared_cross) upload_as_double(exec, cross.as<double>(), problem.cross);
  const double* cross_data = shared_cross ? gram.as<double>() : cross.as<double>();

  SolverConstants c;
  c.gram = gram.as<double>();
  c.diag = diag.as<double>();
  c.weights = problem.penalty_factor != nullptr ? weights.as<double>() : nullptr;
  c.p = p;
  c.l1_ratio = settings.l1_ratio;
  c.tol = settings.tol;
  c.max_iter = settings.max_iter;
  c.positive = settings.positive;
  c.stop_relative_error = settings.stop_relative_error;

  // Chunks: half of what is free for the per-target vectors, the rest for working-set scratch.
  const size_t free_bytes = exec.free_memory();
  const size_t budget = free_bytes > kReserveBytes ? free_bytes - kReserveBytes : 0;
  const int64_t capacity = std::max<int64_t>(1, std::min<int64_t>(n_targets, static_cast<int64_t>(budget / 2 / per_target_bytes(p))));
  Buffer state(exec, capacity * sizeof(TargetState)), control(exec, 4 * capacity * sizeof(int32_t));
  const size_t vector_bytes = static_cast<size_t>(capacity * p);
  Buffer s(exec, vector_bytes * sizeof(double)), beta(exec, vector_bytes * sizeof(double)),
      q(exec, vector_bytes * sizeof(double)), support(exec, vector_bytes * sizeof(int32_t)),
      working(exec, vector_bytes * sizeof(int32_t));
  ChunkArrays a;
  a.state = state.as<TargetState>();
  a.control = control.as<int32_t>();
  a.s = s.as<double>(), a.beta = beta.as<double>(), a.q = q.as<double>();
  a.support = support.as<int32_t>(), a.working = working.as<int32_t>();
  ChunkSolver solver(exec, c, a, capacity, ctx);
  const size_t left = exec.free_memory();
  solver.set_scratch_cap(std::min(kMaxScratchBytes, left > kReserveBytes ? left - kReserveBytes : size_t(1) << 20));
  Buffer warm_k(exec), warm_j(exec), warm_v(exec);

  for (int64_t start = 0; start < n_targets; start += capacity) {
    const int64_t n = std::min(capacity, n_targets - start);
    std::vector<TargetState> states(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      TargetState& st = states[k];
      st.column = batch.targets[start + k];
      st.exclude = problem.exclude_self ? st.column : -1;
      st.d = problem.variance[st.column];
    }
    exec.upload(a.state, states.data(), n * sizeof(TargetState));
    exec.zero(a.beta, static_cast<size_t>(n * p) * sizeof(double));
    exec.init_targets(c, a, n, cross_data, m);
    std::vector<int32_t> wk, wj;
    std::vector<double> wv;
    if (batch.warm_start != nullptr) {  // validated by validate_batch
      for (int64_t k = 0; k < n; ++k) {
        const SparseCoef& warm = (*batch.warm_start)[start + k];
        std::map<int32_t, double> entries;  // a repeated index keeps its last value, as on the CPU
        for (size_t e = 0; e < warm.indices.size(); ++e) entries[warm.indices[e]] = warm.values[e];
        for (const auto& entry : entries) {
          wk.push_back(static_cast<int32_t>(k)), wj.push_back(entry.first), wv.push_back(entry.second);
        }
      }
    }
    upload_vector(exec, warm_k, wk), upload_vector(exec, warm_j, wj), upload_vector(exec, warm_v, wv);
    exec.scatter(c, a, n, warm_k.as<int32_t>(), warm_j.as<int32_t>(), warm_v.as<double>(), static_cast<int64_t>(wv.size()));
    exec.download(states.data(), a.state, n * sizeof(TargetState));

    std::vector<int32_t> solved(static_cast<size_t>(n), 0);
    for (int64_t l = 0; l < n_lambda; ++l) {
      const double value = lambdas.values[l];
      exec.begin_lambda(c, a, n, value, lambdas.relative);
      std::vector<int32_t> active;
      for (int64_t k = 0; k < n; ++k) {
        if (!states[k].stopped) active.push_back(static_cast<int32_t>(k));
      }
      const auto progress = [&](double within) {  // chunks done, λ done, this λ's finished targets
        ctx.report((static_cast<double>(start) + static_cast<double>(n) * (static_cast<double>(l) + within) / n_lambda) /
                   static_cast<double>(n_targets));
      };
      solver.solve_lambda(active, l == 0, progress);
      exec.end_lambda(c, a, n);
      std::vector<TargetState> before = states;  // `stopped` as it was for this λ
      exec.download(states.data(), a.state, n * sizeof(TargetState));
      std::vector<int32_t> exported;
      std::vector<SparseCoef*> targets;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t at = (start + k) * n_lambda + l;
        const TargetState& st = states[k];
        out.lambda[at] = lambdas.relative ? value * st.lambda_max : value;
        out.lambda_max[at] = st.lambda_max;
        if (before[k].stopped) {
          out.objective[at] = out.gap[at] = out.residual_variance[at] = std::nan("");
          out.iterations[at] = 0;
          out.converged[at] = 0;
          continue;
        }
        if (st.status == kNotConvex) throw_not_convex(batch.targets[start + k], out.lambda[at], st.cert);
        out.objective[at] = st.cert.objective;
        out.gap[at] = st.cert.gap;
        out.residual_variance[at] = st.cert.residual_variance;
        out.iterations[at] = static_cast<int32_t>(std::min<int64_t>(st.iterations, INT32_MAX));
        out.converged[at] = st.status == kConverged ? 1 : 0;
        ++solved[k];
        exported.push_back(static_cast<int32_t>(k));
        targets.push_back(&coefs[at]);
      }
      solver.export_coefs(exported, states, targets);
      progress(1.0);
    }
    if (out.path_length != nullptr) {
      for (int64_t k = 0; k < n; ++k) out.path_length[start + k] = solved[k];
    }
  }
  return coefs;
}

}  // namespace cuda
}  // namespace covlasso
