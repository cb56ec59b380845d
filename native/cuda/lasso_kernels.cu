// The CUDA LassoExecutor: the per-target steps of lasso_steps.cuh as kernels, one warp per
// target (or per target and 32-column tile for the refresh), on one stream with the copies
// ordered on it. The sweeps keep G_WW and the vectors they touch in shared memory when the
// working set fits (w² + 6w doubles: w ≤ 167 with Hopper's 227 KiB per block); larger working
// sets sweep from their global scratch (L2-cached). See lasso_driver.hpp for the rounds.
//
// Expected bottleneck (bench/RESULTS.md, written before any timing): latency, not bandwidth.
// A coordinate update is a dependent chain (read β_a, q_a → soft-threshold → two __syncwarp →
// w/32 FMAs per lane), ~100–200 cycles, so a sweep of w coordinates costs ~w·150 cycles whatever
// the width of the warp; the GPU wins by running thousands of targets at once. The refresh
// moves nnz·p·8 bytes L2→SM per round (one HBM pass over S per round when S exceeds L2).
// Predicted on an H200: 100-λ paths for the 1000 cjk1000 targets ≈ 50–100 ms (round trips and
// sweeps), all 20000 targets of bench/large.js at λ ratio 0.1 ≈ 1.5–3 s (working sets of
// 130–260 coordinates: one target per SM in shared memory, 152 waves).
#include <cuda_runtime.h>

#include <memory>

#include "cuda_lasso.hpp"
#include "cuda_util.cuh"
#include "lasso_driver.hpp"
#include "lasso_steps.cuh"

namespace covlasso {
namespace cuda {

namespace {

constexpr int kWarpsPerBlock = 4;
constexpr int kThreads = 32 * kWarpsPerBlock;

__device__ inline int64_t global_warp() { return (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5; }

__global__ void init_kernel(SolverConstants c, ChunkArrays a, int64_t n, const double* cross, int64_t m) {
  const int64_t k = global_warp();
  if (k < n) init_target(WarpLanes{}, c, a, k, cross, m);
}

__global__ void scatter_kernel(SolverConstants c, ChunkArrays a, const int32_t* k, const int32_t* j, const double* v,
                               int64_t count) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e < count) a.beta[static_cast<int64_t>(k[e]) * c.p + j[e]] = v[e];
}

__global__ void support_kernel(SolverConstants c, ChunkArrays a, int64_t n) {
  const int64_t k = global_warp();
  if (k < n) build_support(WarpLanes{}, c, a, k);
}

__global__ void begin_kernel(SolverConstants c, ChunkArrays a, int64_t n, double value, bool relative) {
  const int64_t k = global_warp();
  if (k < n) begin_lambda(WarpLanes{}, c, a, k, value, relative);
}

// Warp (tile, i) with tiles outermost: the warps running together read the same 32 columns of
// G for different targets, so that panel of G stays in L2 while they do.
__global__ void refresh_kernel(SolverConstants c, ChunkArrays a, const int32_t* list, int64_t n, int64_t tiles) {
  const int64_t warp = global_warp();
  if (warp >= n * tiles) return;
  refresh_columns(WarpLanes{}, c, a, list[warp % n], (warp / n) * 32);
}

__global__ void certify_select_kernel(SolverConstants c, ChunkArrays a, const int32_t* list, int64_t n) {
  __shared__ int hist[kWarpsPerBlock][256];
  const int64_t i = global_warp();
  if (i >= n) return;
  const WarpLanes lanes;
  certify_target(lanes, c, a, list[i]);
  select_working_set(lanes, c, a, list[i], hist[threadIdx.x >> 5]);
}

__global__ void pack_kernel(SolverConstants c, ChunkArrays a, const int32_t* list, const int64_t* offsets, int64_t n,
                            double* scratch) {
  const int64_t i = global_warp();
  if (i >= n) return;
  const int64_t k = list[i];
  pack_target(WarpLanes{}, c, a, k, carve_scratch(scratch + offsets[i], a.state[k].w));
}

// One warp (one block) per target; with kShared, the working set is staged in dynamic shared
// memory of shared_doubles(w_max) doubles.
template <bool kShared>
__global__ void __launch_bounds__(32) sweep_kernel(SolverConstants c, ChunkArrays a, const int32_t* list,
                                                   const int64_t* offsets, double* scratch, int64_t max_sweeps) {
  extern __shared__ double shared[];
  const int64_t k = list[blockIdx.x];
  const int64_t w = a.state[k].w;
  const WorkingScratch home = carve_scratch(scratch + offsets[blockIdx.x], w);
  const WarpLanes lanes;
  if (!kShared) {
    sweep_target(lanes, c, a, k, home, max_sweeps);
    return;
  }
  const WorkingScratch staged = stage_in(lanes, home, w, shared);
  sweep_target(lanes, c, a, k, staged, max_sweeps);
  stage_out(lanes, staged, home, w);
}

__global__ void end_kernel(SolverConstants c, ChunkArrays a, int64_t n) {
  const int64_t k = global_warp();
  if (k < n) end_lambda(WarpLanes{}, c, a, k);
}

__global__ void export_kernel(SolverConstants c, ChunkArrays a, const int32_t* list, const int64_t* offsets, int64_t n,
                              int32_t* indices, double* values) {
  const int64_t i = global_warp();
  if (i < n) export_target(WarpLanes{}, c, a, list[i], offsets[i], indices, values);
}

unsigned warp_blocks(int64_t warps) { return blocks_for(warps, kWarpsPerBlock); }

class CudaLassoExecutor final : public LassoExecutor {
 public:
  CudaLassoExecutor() {
    int device = 0;
    check_cuda(cudaGetDevice(&device), "cudaGetDevice");
    int optin = 0;
    check_cuda(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "cudaDeviceGetAttribute");
    shared_bytes_ = static_cast<size_t>(optin);
    while (shared_w_ < 4096 && static_cast<size_t>(shared_doubles(shared_w_ + 1)) * sizeof(double) <= shared_bytes_) {
      ++shared_w_;
    }
    check_cuda(cudaFuncSetAttribute(sweep_kernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, optin),
               "cudaFuncSetAttribute");
  }

  void* alloc(size_t bytes) override {
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, bytes);
    if (status != cudaSuccess) {
      cudaGetLastError();  // clear it: an allocation failure is not sticky
      throw_cuda(status, "the lasso's device buffers");
    }
    return p;
  }
  void release(void* p) override { cudaFree(p); }
  size_t free_memory() override {
    size_t free = 0, total = 0;
    check_cuda(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
    return free;
  }
  void upload(void* dst, const void* src, size_t bytes) override {
    check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (to the device)");
  }
  void download(void* dst, const void* src, size_t bytes) override {
    check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync (to the host)");
    stream_.synchronize("the lasso kernels");
  }
  void zero(void* dst, size_t bytes) override { check_cuda(cudaMemsetAsync(dst, 0, bytes, stream_), "cudaMemsetAsync"); }

  void init_targets(const SolverConstants& c, const ChunkArrays& a, int64_t n, const double* cross, int64_t m) override {
    init_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, n, cross, m);
    check_launch("init_kernel");
  }
  void scatter(const SolverConstants& c, const ChunkArrays& a, int64_t n, const int32_t* k, const int32_t* j,
               const double* values, int64_t count) override {
    if (count > 0) {
      scatter_kernel<<<blocks_for(count, 256), 256, 0, stream_>>>(c, a, k, j, values, count);
      check_launch("scatter_kernel");
    }
    support_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, n);
    check_launch("support_kernel");
  }
  void begin_lambda(const SolverConstants& c, const ChunkArrays& a, int64_t n, double value, bool relative) override {
    begin_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, n, value, relative);
    check_launch("begin_kernel");
  }
  void refresh(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, int64_t n) override {
    const int64_t tiles = (c.p + 31) / 32;
    refresh_kernel<<<warp_blocks(n * tiles), kThreads, 0, stream_>>>(c, a, list, n, tiles);
    check_launch("refresh_kernel");
  }
  void certify_and_select(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, int64_t n) override {
    certify_select_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, list, n);
    check_launch("certify_select_kernel");
  }
  void pack(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets, int64_t n,
            double* scratch) override {
    pack_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, list, offsets, n, scratch);
    check_launch("pack_kernel");
  }
  void sweep(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets, int64_t n,
             double* scratch, int64_t w_max, int64_t max_sweeps) override {
    if (n == 0) return;
    if (w_max <= shared_w_) {
      const size_t bytes = static_cast<size_t>(shared_doubles(w_max)) * sizeof(double);
      sweep_kernel<true><<<static_cast<unsigned>(n), 32, bytes, stream_>>>(c, a, list, offsets, scratch, max_sweeps);
    } else {
      sweep_kernel<false><<<static_cast<unsigned>(n), 32, 0, stream_>>>(c, a, list, offsets, scratch, max_sweeps);
    }
    check_launch("sweep_kernel");
  }
  void end_lambda(const SolverConstants& c, const ChunkArrays& a, int64_t n) override {
    end_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, n);
    check_launch("end_kernel");
  }
  void export_coef(const SolverConstants& c, const ChunkArrays& a, const int32_t* list, const int64_t* offsets, int64_t n,
                   int32_t* indices, double* values) override {
    export_kernel<<<warp_blocks(n), kThreads, 0, stream_>>>(c, a, list, offsets, n, indices, values);
    check_launch("export_kernel");
  }
  // Size classes of 32 coordinates up to what shared memory holds, then one class for the rest.
  int bucket(int64_t w) const override { return w > shared_w_ ? 1 << 20 : static_cast<int>((w + 31) / 32); }

 private:
  Stream stream_;
  size_t shared_bytes_ = 0;
  int64_t shared_w_ = 0;
};

}  // namespace

std::vector<SparseCoef> solve_lasso_cuda(const LassoProblem& problem, const TargetBatch& batch,
                                         const LambdaSequence& lambdas, const LassoSettings& settings,
                                         const LassoResultArrays& out, const ExecutionContext& ctx) {
  check_cuda(cudaSetDevice(0), "cudaSetDevice");
  CudaLassoExecutor exec;
  return drive_lasso(exec, problem, batch, lambdas, settings, out, ctx);
}

}  // namespace cuda
}  // namespace covlasso
