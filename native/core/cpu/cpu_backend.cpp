#include "cpu_backend.hpp"

#include "gram_kernel.hpp"
#include "lasso_batch.hpp"
#include "moments_cpu.hpp"

namespace covlasso {
namespace cpu {

namespace {

class CpuMoments final : public MomentsBackend {
 public:
  void accumulate(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, Products products,
                  const ExecutionContext& ctx) const override {
    update_in_slices(acc, x, y, ctx.threads, ctx.cancel, products, ctx.progress);
  }
  void moments(const MatrixView& x, const MatrixView* y, const MomentSpec& spec, double* out,
               const ExecutionContext& ctx) const override {
    if (y != nullptr) {
      cross_moments(x, *y, spec.center, spec.ddof, ctx.threads, ctx.cancel, out, spec.products, ctx.progress);
    } else {
      covariance(x, spec.center, spec.ddof, ctx.threads, ctx.cancel, out, spec.products, ctx.progress);
    }
  }
};

class CpuLasso final : public LassoBackend {
 public:
  std::vector<SparseCoef> solve(const LassoProblem& problem, const TargetBatch& batch, const LambdaSequence& lambdas,
                                const LassoSettings& settings, const LassoResultArrays& out,
                                const ExecutionContext& ctx) const override {
    return solve_lasso_batch(problem, batch, lambdas, settings, out, ctx);
  }
};

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  const MomentsBackend& moments() const override { return moments_; }
  const LassoBackend& lasso() const override { return lasso_; }

 private:
  CpuMoments moments_;
  CpuLasso lasso_;
};

}  // namespace

const Backend& backend() {
  static const CpuBackend instance;
  return instance;
}

std::string describe() {
  return std::to_string(hardware_threads()) + " hardware threads, " +
         detail::kernel_path_name(detail::select_kernel_path()) + " covariance kernel";
}

}  // namespace cpu
}  // namespace covlasso
