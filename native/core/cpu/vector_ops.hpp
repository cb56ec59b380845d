// Small dense vector kernels of the solver's inner loops, compiled for several x86-64 levels
// (AVX-512, AVX2+FMA, baseline) and picked at load time by the dynamic linker (GCC/Clang
// target_clones); a plain loop elsewhere. No -march flags are needed.
#pragma once

#include <cstddef>

namespace covlasso {

// y += a · x (length n).
void axpy(size_t n, double a, const double* x, double* y);

}  // namespace covlasso
