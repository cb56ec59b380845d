// The CUDA backend's moments (moments_kernels.cu): rows streamed from host memory in chunks
// through two pinned staging buffers, the copy of chunk c+1 overlapping the products of chunk c
// (a copy stream and a compute stream), products in float64 (moments_steps.cuh states the error
// bound), the accumulator's shifts used so large means lose nothing, NaN/Inf found on the device
// (the accumulator unchanged then), the cancel flag checked between chunks. The accumulator is
// host state: a device result is added into it at the end (moments_plan.hpp), so states merge
// across backends.
#pragma once

#include "backend.hpp"

namespace covlasso {
namespace cuda {

void accumulate_cuda(MomentAccumulator& acc, const MatrixView& x, const MatrixView* y, const ExecutionContext& ctx);
void moments_cuda(const MatrixView& x, const MatrixView* y, const MomentSpec& spec, double* out, const ExecutionContext& ctx);

}  // namespace cuda
}  // namespace covlasso
