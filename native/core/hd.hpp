// COVLASSO_HD marks the core's small inline functions that the CUDA backend also runs on the
// device (the penalty, the certificate): __host__ __device__ under nvcc, nothing otherwise.
#pragma once

#if defined(__CUDACC__)
#define COVLASSO_HD __host__ __device__
#else
#define COVLASSO_HD
#endif
