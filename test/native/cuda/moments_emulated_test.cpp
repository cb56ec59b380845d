// The CUDA covariance's arithmetic (native/cuda/moments_steps.cuh: 64×64 product tiles by 256
// threads, row slices, column sums) and its host side (moments_plan: chunks, shifts, commit),
// executed on the host with 256 threads standing in for a block, against the CPU backend with
// float64 products: within the bound stated in moments_steps.cuh, for float32/float64/mixed
// inputs, second moments and centered, symmetric and cross, with a large mean.
// Built and run by test/cuda-emulation.test.ts.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cpu/moments_cpu.hpp"
#include "emulated_executor.hpp"
#include "moments_plan.hpp"
#include "moments_steps.cuh"

using namespace covlasso;
using namespace covlasso::cuda;
using covlasso::cuda::testing::LaneGroup;
using covlasso::cuda::testing::ThreadLanes;

namespace {

int g_failures = 0, g_checks = 0;
void check(bool ok, const std::string& what) {
  ++g_checks;
  if (!ok) ++g_failures, std::printf("FAIL %s\n", what.c_str());
}

// Runs f(lanes) on 256 threads (one emulated block).
template <class F>
void run_block(const F& f) {
  LaneGroup group(kTileThreads);
  std::vector<std::thread> threads;
  for (int id = 1; id < kTileThreads; ++id) threads.emplace_back([&, id] { f(ThreadLanes{&group, id}); });
  f(ThreadLanes{&group, 0});
  for (auto& t : threads) t.join();
}

template <typename TX, typename TY>
void emulate_accumulate(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y) {
  const bool symmetric = acc.symmetric();
  const MatrixView& yv = symmetric ? x : *y;
  const int64_t p = x.cols, q = yv.cols;
  const MomentsPlan plan = plan_moments(x.rows, p, q, symmetric, 64, 132);  // small chunks: several, sliced
  choose_shifts(acc, x, symmetric ? nullptr : y);
  const std::vector<double> kx = acc.shift_x(), ky = acc.shift_y();
  std::vector<double> moment(p * q, 0.0), partial(plan.slices * p * q), sx(p, 0.0), sy(q, 0.0);
  std::vector<double> smem(kTileSharedDoubles);
  for (int64_t r0 = 0; r0 < x.rows; r0 += plan.chunk_rows) {
    const int64_t n = std::min(plan.chunk_rows, x.rows - r0);
    const TX* cx = static_cast<const TX*>(x.data) + r0 * p;
    const TY* cy = static_cast<const TY*>(yv.data) + r0 * q;
    for (int64_t c = 0; c < p; ++c) column_sum(cx, n, p, c, kx.data(), sx.data());
    if (!symmetric) for (int64_t c = 0; c < q; ++c) column_sum(cy, n, q, c, ky.data(), sy.data());
    const int64_t slices = (n + plan.slice_rows - 1) / plan.slice_rows;
    const bool direct = slices == 1;
    for (int64_t tile = 0; tile < plan.tiles; ++tile) {
      int64_t ti = 0, tj = 0;
      if (symmetric) upper_tile(tile, plan.tiles_q, &ti, &tj);
      else ti = tile / plan.tiles_q, tj = tile % plan.tiles_q;
      for (int64_t s = 0; s < slices; ++s) {
        const int64_t a = s * plan.slice_rows, b = std::min(n, a + plan.slice_rows);
        double* out = direct ? moment.data() : partial.data() + s * p * q;
        run_block([&](const ThreadLanes& th) {
          product_tile(th, smem.data(), cx, cy, a, b, p, q, kx.data(), ky.data(), ti * kTile, tj * kTile, out, direct);
        });
      }
    }
    if (!direct) for (int64_t e = 0; e < p * q; ++e) add_partials(partial.data(), slices, p * q, e, moment.data());
  }
  commit_moments(acc, moment.data(), sx.data(), sy.data(), x.rows, 1);
}

template <typename T>
std::vector<T> data(int64_t n, int64_t c, double mean, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<T> v(n * c);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < c; ++j) v[i * c + j] = static_cast<T>(mean + (1 + j % 3) * g(rng));
  }
  return v;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::fabs(e));
  return m;
}

template <typename TX, typename TY>
void compare(const std::string& name, int64_t n, int64_t p, int64_t q, bool cross, double mean) {
  const std::vector<TX> xd = data<TX>(n, p, mean, 7);
  const std::vector<TY> yd = data<TY>(n, q, -mean / 2, 8);
  const MatrixView x{xd.data(), sizeof(TX) == 4 ? DType::F32 : DType::F64, n, p};
  const MatrixView y{yd.data(), sizeof(TY) == 4 ? DType::F32 : DType::F64, n, q};
  const int64_t cols = cross ? q : p;
  for (bool center : {false, true}) {
    std::vector<double> want(p * cols), got(p * cols);
    if (cross) cpu::cross_moments(x, y, center, 0, 1, nullptr, want.data(), Products::Float64);
    else cpu::covariance(x, center, 0, 1, nullptr, want.data(), Products::Float64);
    MomentAccumulator acc(p, cols, !cross);
    if (cross) emulate_accumulate<TX, TY>(acc, x, &y);
    else emulate_accumulate<TX, TX>(acc, x, nullptr);
    acc.result(center, 0, got.data());
    double err = 0;
    for (size_t e = 0; e < want.size(); ++e) err = std::max(err, std::fabs(got[e] - want[e]));
    // The scale of the products: max over the shifted second moments (diagonal) ≥ |S_ij|.
    const double scale = std::max(max_abs(want), 1.0);
    check(err <= 2e-12 * scale, name + (center ? " centered" : " second moment") + ": max |GPU − CPU| = " +
                                    std::to_string(err / scale) + " of max|S| (bound 2e-12)");
  }
}

}  // namespace

int main() {
  compare<float, float>("float32 300×70, mean 0", 300, 70, 70, false, 0.0);
  compare<double, double>("float64 333×130, mean 1e4", 333, 130, 130, false, 1e4);
  compare<float, float>("float32 1000×65, mean 1e3", 1000, 65, 65, false, 1e3);
  compare<float, double>("cross float32×float64 257×40×90", 257, 40, 90, true, 100.0);
  compare<double, float>("cross float64×float32 64×3×5", 64, 3, 5, true, 0.0);

  // The plan: chunks bounded by the error bound's R and the staging size, slices on small outputs.
  const MomentsPlan big = plan_moments(1280000, 1000, 1000, true, 4000, 132);
  check(big.chunk_rows == kMaxChunkRows && big.tiles == 136 && big.slices == 4 && big.slice_rows == 4096,
        "plan for 1,280,000 × 1000 float32 on 132 SMs: 16384-row chunks, 136 tiles, 4 slices of 4096 rows");
  const MomentsPlan wide = plan_moments(4000, 20000, 20000, true, 80000, 132);
  check(wide.chunk_rows == 838 && wide.slices == 1, "plan for 20000 columns: 64 MiB chunks, no slices");
  int64_t ti = 0, tj = 0;
  upper_tile(5, 3, &ti, &tj);
  check(ti == 2 && tj == 2, "upper_tile(5) of 3×3 is (2, 2)");
  upper_tile(3, 3, &ti, &tj);
  check(ti == 1 && tj == 1, "upper_tile(3) of 3×3 is (1, 1)");

  std::printf("%s: %d checks, %d failed\n", g_failures == 0 ? "ok" : "FAIL", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
