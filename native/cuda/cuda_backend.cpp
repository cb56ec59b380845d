#include "cuda_backend.hpp"

#include "cuda_lasso.hpp"
#include "cuda_moments.hpp"

namespace covlasso {
namespace cuda {

namespace {

// Products: always float64 on the device (the request for float32 products is a permission,
// not a requirement; see moments_steps.cuh for the bound).
class CudaMoments final : public MomentsBackend {
 public:
  void accumulate(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, Products,
                  const ExecutionContext& ctx) const override {
    accumulate_cuda(acc, x, y, ctx);
  }
  void moments(const MatrixView& x, const MatrixView* y, const MomentSpec& spec, double* out,
               const ExecutionContext& ctx) const override {
    moments_cuda(x, y, spec, out, ctx);
  }
};

class CudaLasso final : public LassoBackend {
 public:
  std::vector<SparseCoef> solve(const LassoProblem& problem, const TargetBatch& batch, const LambdaSequence& lambdas,
                                const LassoSettings& settings, const LassoResultArrays& out,
                                const ExecutionContext& ctx) const override {
    return solve_lasso_cuda(problem, batch, lambdas, settings, out, ctx);
  }
};

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }
  const MomentsBackend& moments() const override { return moments_; }
  const LassoBackend& lasso() const override { return lasso_; }

 private:
  CudaMoments moments_;
  CudaLasso lasso_;
};

}  // namespace

const Backend& backend() {
  static const CudaBackend instance;
  return instance;
}

}  // namespace cuda
}  // namespace covlasso
