// See cuda_moments.hpp. Expected cost (bench/RESULTS.md): for 1,280,000 × 1000 float32 from
// host memory, 5.1 GB cross PCIe (≈ 0.1 s at ~50 GB/s) after a host copy into the pinned
// buffers (≈ 0.1–0.25 s on 16 cores), against 0.64 TFMA of float64 products for the upper
// triangle (≈ 0.08 s at half the H200's 34 TFLOP/s of plain FP64): the host side and PCIe bound it.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cuda_moments.hpp"
#include "cuda_util.cuh"
#include "moments_plan.hpp"
#include "moments_steps.cuh"
#include "thread_pool.hpp"

namespace covlasso {
namespace cuda {

namespace {

constexpr unsigned long long kNoBad = std::numeric_limits<unsigned long long>::max();

template <typename T>
__global__ void finite_kernel(const T* data, int64_t count, int64_t first, unsigned long long* bad) {
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < count;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!isfinite(static_cast<double>(data[e]))) atomicMin(bad, static_cast<unsigned long long>(first + e));
  }
}

template <typename T>
__global__ void column_sum_kernel(const T* x, int64_t rows, int64_t cols, const double* shift, double* sums) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c < cols) column_sum(x, rows, cols, c, shift, sums);
}

// Block (tile, slice): rows [slice·slice_rows, …) of the chunk into the tile of `out`.
template <typename TX, typename TY>
__global__ void __launch_bounds__(kTileThreads) product_kernel(const TX* x, const TY* y, int64_t rows, int64_t p,
                                                               int64_t q, const double* kx, const double* ky,
                                                               bool symmetric, int64_t tiles_q, int64_t slice_rows,
                                                               double* out, int64_t out_stride, bool add) {
  __shared__ double smem[kTileSharedDoubles];
  int64_t ti = 0, tj = 0;
  if (symmetric) upper_tile(blockIdx.x, tiles_q, &ti, &tj);
  else ti = blockIdx.x / tiles_q, tj = blockIdx.x % tiles_q;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * slice_rows;
  const int64_t r1 = r0 + slice_rows < rows ? r0 + slice_rows : rows;
  product_tile(BlockThreads{}, smem, x, y, r0, r1, p, q, kx, ky, ti * kTile, tj * kTile,
               out + static_cast<int64_t>(blockIdx.y) * out_stride, add);
}

__global__ void add_partials_kernel(const double* partial, int64_t slices, int64_t size, double* moment) {
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < size;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    add_partials(partial, slices, size, e, moment);
  }
}

int64_t element_bytes(const MatrixView& m) { return m.dtype == DType::F32 ? 4 : 8; }

template <typename TX, typename TY>
void launch_products(const void* x, const void* y, int64_t rows, int64_t p, int64_t q, const double* kx, const double* ky,
                     bool symmetric, const MomentsPlan& plan, double* moment, double* partial, cudaStream_t stream) {
  const int64_t slices = (rows + plan.slice_rows - 1) / plan.slice_rows;
  const dim3 grid(static_cast<unsigned>(plan.tiles), static_cast<unsigned>(slices));
  const bool direct = slices == 1;  // one slice: accumulate into the moment itself
  product_kernel<TX, TY><<<grid, kTileThreads, 0, stream>>>(
      static_cast<const TX*>(x), static_cast<const TY*>(y), rows, p, q, kx, ky, symmetric, plan.tiles_q, plan.slice_rows,
      direct ? moment : partial, p * q, direct);
  check_launch("product_kernel");
  if (!direct) {
    add_partials_kernel<<<static_cast<unsigned>(std::min<int64_t>(4096, (p * q + 255) / 256)), 256, 0, stream>>>(
        partial, slices, p * q, moment);
    check_launch("add_partials_kernel");
  }
}

template <typename T>
void launch_checks(const void* data, int64_t rows, int64_t cols, int64_t first_row, const double* shift, double* sums,
                   unsigned long long* bad, cudaStream_t stream) {
  const int64_t count = rows * cols;
  finite_kernel<T><<<static_cast<unsigned>(std::min<int64_t>(4096, (count + 255) / 256)), 256, 0, stream>>>(
      static_cast<const T*>(data), count, first_row * cols, bad);
  check_launch("finite_kernel");
  column_sum_kernel<T><<<blocks_for(cols, 128), 128, 0, stream>>>(static_cast<const T*>(data), rows, cols, shift, sums);
  check_launch("column_sum_kernel");
}

void checks(const MatrixView& m, const void* data, int64_t rows, int64_t first_row, const double* shift, double* sums,
            unsigned long long* bad, cudaStream_t stream) {
  if (m.dtype == DType::F32) launch_checks<float>(data, rows, m.cols, first_row, shift, sums, bad, stream);
  else launch_checks<double>(data, rows, m.cols, first_row, shift, sums, bad, stream);
}

void products(const MatrixView& x, const MatrixView& y, const void* dx, const void* dy, int64_t rows, const double* kx,
              const double* ky, bool symmetric, const MomentsPlan& plan, double* moment, double* partial,
              cudaStream_t stream) {
  const int64_t p = x.cols, q = y.cols;
  const bool fx = x.dtype == DType::F32, fy = y.dtype == DType::F32;
  if (fx && fy) launch_products<float, float>(dx, dy, rows, p, q, kx, ky, symmetric, plan, moment, partial, stream);
  else if (fx) launch_products<float, double>(dx, dy, rows, p, q, kx, ky, symmetric, plan, moment, partial, stream);
  else if (fy) launch_products<double, float>(dx, dy, rows, p, q, kx, ky, symmetric, plan, moment, partial, stream);
  else launch_products<double, double>(dx, dy, rows, p, q, kx, ky, symmetric, plan, moment, partial, stream);
}

// Copies `bytes` bytes with the host threads (the staging copy is as costly as the transfer).
void parallel_copy(void* dst, const void* src, size_t bytes, int threads) {
  constexpr size_t kPiece = size_t(1) << 20;
  const int64_t pieces = static_cast<int64_t>((bytes + kPiece - 1) / kPiece);
  parallel_for(pieces, threads, [&](int64_t i, int) {
    const size_t at = static_cast<size_t>(i) * kPiece;
    std::memcpy(static_cast<char*>(dst) + at, static_cast<const char*>(src) + at, std::min(kPiece, bytes - at));
  });
}

[[noreturn]] void throw_not_finite(const MatrixView& m, const char* name, unsigned long long index, int64_t row_base) {
  const int64_t row = static_cast<int64_t>(index / m.cols), col = static_cast<int64_t>(index % m.cols);
  const double v = m.at(row, col);
  throw Error(ErrorCode::NotFinite, std::string(name) + " contains " + (std::isnan(v) ? "NaN" : "Inf") + " at row " +
                                        std::to_string(row_base + row) + ", column " + std::to_string(col));
}

}  // namespace

void accumulate_cuda(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, const ExecutionContext& ctx) {
  acc.check_update(x, y);
  ctx.check_cancelled();
  if (x.rows == 0) return;
  check_cuda(cudaSetDevice(0), "cudaSetDevice");
  int sms = 1;
  check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "cudaDeviceGetAttribute");
  const bool symmetric = acc.symmetric();
  const MatrixView& yv = symmetric ? x : *y;
  const int64_t p = acc.cols_x(), q = acc.cols_y(), rows = x.rows;
  const int64_t bx = x.cols * element_bytes(x), by = symmetric ? 0 : yv.cols * element_bytes(yv);
  const MomentsPlan plan = plan_moments(rows, p, q, symmetric, bx + by, sms);
  const int64_t chunk_bytes = plan.chunk_rows * (bx + by);

  // Everything is allocated before the accumulator changes (so `auto` can fall back on OOM).
  DeviceMemory moment(static_cast<size_t>(p * q) * sizeof(double)),
      partial(plan.slices > 1 ? static_cast<size_t>(plan.slices * p * q) * sizeof(double) : 0),
      sums(static_cast<size_t>(p + q) * sizeof(double)), shifts(static_cast<size_t>(p + q) * sizeof(double)),
      bad(2 * sizeof(unsigned long long));
  DeviceMemory input[2] = {DeviceMemory(chunk_bytes), DeviceMemory(chunk_bytes)};
  PinnedMemory staging[2] = {PinnedMemory(chunk_bytes), PinnedMemory(chunk_bytes)};
  Stream copy, compute;
  Event copied[2], computed[2];

  const bool fresh = acc.count() == 0;
  std::vector<double> kx, ky;
  if (fresh) {  // the shifts a fresh accumulator would choose, set on acc only when it is committed
    MomentAccumulator tmp(p, q, symmetric);
    choose_shifts(tmp, x, symmetric ? nullptr : y);
    kx = tmp.shift_x(), ky = tmp.shift_y();
  } else {
    kx = acc.shift_x(), ky = acc.shift_y();
  }
  check_cuda(cudaMemsetAsync(moment.as<void>(), 0, static_cast<size_t>(p * q) * sizeof(double), compute), "cudaMemset");
  check_cuda(cudaMemsetAsync(sums.as<void>(), 0, static_cast<size_t>(p + q) * sizeof(double), compute), "cudaMemset");
  check_cuda(cudaMemsetAsync(bad.as<void>(), 0xff, 2 * sizeof(unsigned long long), compute), "cudaMemset");
  double* dkx = shifts.as<double>();
  double* dky = symmetric ? dkx : dkx + p;
  check_cuda(cudaMemcpyAsync(dkx, kx.data(), p * sizeof(double), cudaMemcpyHostToDevice, compute), "cudaMemcpy");
  if (!symmetric) check_cuda(cudaMemcpyAsync(dky, ky.data(), q * sizeof(double), cudaMemcpyHostToDevice, compute), "cudaMemcpy");
  unsigned long long* bad_x = bad.as<unsigned long long>();
  unsigned long long* bad_y = bad_x + 1;
  double* sum_x = sums.as<double>();
  double* sum_y = sum_x + p;

  const auto finish = [&](int64_t rows_done, bool aborted) {
    compute.synchronize("the covariance kernels");
    unsigned long long flags[2];
    check_cuda(cudaMemcpy(flags, bad_x, sizeof flags, cudaMemcpyDeviceToHost), "cudaMemcpy");
    if (flags[0] != kNoBad) throw_not_finite(x, "x", flags[0], acc.count());
    if (flags[1] != kNoBad) throw_not_finite(yv, "y", flags[1], acc.count());
    if (rows_done == 0) return;
    std::vector<double> host_moment(static_cast<size_t>(p * q)), host_sums(static_cast<size_t>(p + q));
    check_cuda(cudaMemcpy(host_moment.data(), moment.as<void>(), host_moment.size() * sizeof(double), cudaMemcpyDeviceToHost),
               "cudaMemcpy");
    check_cuda(cudaMemcpy(host_sums.data(), sum_x, host_sums.size() * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy");
    if (fresh) acc.set_shifts(kx, ky);
    commit_moments(acc, host_moment.data(), host_sums.data(), host_sums.data() + p, rows_done, ctx.threads);
    if (aborted) throw Error(ErrorCode::Aborted, "aborted");
  };

  int64_t c = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += plan.chunk_rows, ++c) {
    const int64_t n = std::min(plan.chunk_rows, rows - r0);
    const int b = static_cast<int>(c % 2);
    if (c >= 2) check_cuda(cudaEventSynchronize(computed[b]), "cudaEventSynchronize");
    char* stage = staging[b].as<char>();
    parallel_copy(stage, static_cast<const char*>(x.data) + r0 * bx, static_cast<size_t>(n * bx), ctx.threads);
    if (!symmetric) {
      parallel_copy(stage + n * bx, static_cast<const char*>(yv.data) + r0 * by, static_cast<size_t>(n * by), ctx.threads);
    }
    char* in = input[b].as<char>();
    check_cuda(cudaMemcpyAsync(in, stage, static_cast<size_t>(n * (bx + by)), cudaMemcpyHostToDevice, copy), "cudaMemcpyAsync");
    check_cuda(cudaEventRecord(copied[b], copy), "cudaEventRecord");
    check_cuda(cudaStreamWaitEvent(compute, copied[b], 0), "cudaStreamWaitEvent");
    const void* dx = in;
    const void* dy = symmetric ? in : in + n * bx;
    checks(x, dx, n, r0, dkx, sum_x, bad_x, compute);
    if (!symmetric) checks(yv, dy, n, r0, dky, sum_y, bad_y, compute);
    products(x, yv, dx, dy, n, dkx, dky, symmetric, plan, moment.as<double>(), partial.as<double>(), compute);
    check_cuda(cudaEventRecord(computed[b], compute), "cudaEventRecord");
    if (ctx.cancel != nullptr && ctx.cancel->load()) finish(r0 + n, true);
    ctx.report(static_cast<double>(r0 + n) / static_cast<double>(rows));
  }
  finish(rows, false);
}

void moments_cuda(const MatrixView& x, const MatrixView* y, const MomentSpec& spec, double* out, const ExecutionContext& ctx) {
  const int64_t q = y != nullptr ? y->cols : x.cols;
  if (spec.center && std::isfinite(spec.ddof) && !(static_cast<double>(x.rows) - spec.ddof > 0)) {
    throw Error(ErrorCode::InvalidArgument, "ddof must be smaller than the number of rows");
  }
  MomentAccumulator acc(x.cols, q, y == nullptr, out);
  std::fill(out, out + x.cols * q, 0.0);
  accumulate_cuda(acc, x, y, ctx);
  acc.result(spec.center, spec.ddof, out);
}

}  // namespace cuda
}  // namespace covlasso
